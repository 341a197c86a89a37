//! Controller benchmarks: loading and first evaluation of 10,000 components, and the time from
//! a component publishing new exports to its dependant being re-evaluated.
//!
//! `cargo bench --bench controller`. The components are small test components registered in
//! their own registry, so what is measured is the runtime (parse, graph, evaluation,
//! propagation), not any component's own work.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use futures::future::BoxFuture;
use river_agent::cluster::membership::{ClusterView, NodeState};
use river_agent::cluster::peer_addr::PeerAddr;
use river_agent::cluster::ring::NodeName;
use river_agent::eval::Value;
use river_agent::runtime::component::{
    Component, ComponentError, Context, LocalHttp, LocalResponse, Stability,
};
use river_agent::runtime::controller::{self, ControllerHandle, ControllerOptions};
use river_agent::runtime::loader::Source;
use river_agent::runtime::logging::NoLogging;
use river_agent::runtime::metrics::ControllerMetrics;
use river_agent::runtime::registry::{Registration, Registry};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
struct Args {
    #[serde(default)]
    input: Vec<Value>,
    #[serde(default)]
    name: String,
}
river_agent::river_schema!(Args { attr? input, attr? name });

/// A component that exports `{output = [its name, the number of inputs]}` (constant size, so
/// the work per component does not grow with the graph).
struct Passthrough {
    ctx: Context,
}

fn exports(args: &Args) -> Value {
    let out = vec![
        Value::from(args.name.as_str()),
        Value::from(args.input.len() as i64),
    ];
    Value::Object(river_agent::eval::Object::ordered(vec![(
        "output".into(),
        Value::from(out),
    )]))
}

impl Component for Passthrough {
    type Arguments = Args;
    fn build(ctx: Context, args: Args) -> Result<Self, ComponentError> {
        ctx.set_exports_value(exports(&args));
        if args.name == "trigger" {
            let _ = TRIGGER.set(ctx.clone());
        }
        Ok(Passthrough { ctx })
    }
    fn update(&self, args: Args) -> Result<(), ComponentError> {
        if args.name == "sink" {
            if let Some(tx) = SINK.lock().unwrap().as_ref() {
                let _ = tx.send(Instant::now());
            }
        }
        self.ctx.set_exports_value(exports(&args));
        Ok(())
    }
    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            cancel.cancelled().await;
            Ok(())
        })
    }
}

static TRIGGER: OnceLock<Context> = OnceLock::new();
static SINK: Mutex<Option<std::sync::mpsc::Sender<Instant>>> = Mutex::new(None);

struct NoHttp;
impl LocalHttp for NoHttp {
    fn get(&self, _: String) -> BoxFuture<'static, Result<LocalResponse, String>> {
        Box::pin(async { Err("no HTTP in benchmarks".to_string()) })
    }
}

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let mut r = Registry::new();
        r.add(Registration::of::<Passthrough>(
            "bench.pass",
            Stability::GenerallyAvailable,
        ));
        r
    })
}

fn start(rt: &tokio::runtime::Runtime) -> ControllerHandle {
    let _g = rt.enter();
    let view = ClusterView::standalone(
        NodeName::new("bench"),
        PeerAddr::new("127.0.0.1:1"),
        NodeState::Participant,
    );
    let (_tx, rx) = tokio::sync::watch::channel(view);
    std::mem::forget(_tx);
    let mut reg = prometheus_client::registry::Registry::default();
    controller::start(ControllerOptions {
        registry: registry(),
        stability: Stability::GenerallyAvailable,
        storage_path: std::env::temp_dir().join("river-bench"),
        cluster: rx,
        cluster_name: String::new(),
        memory_addr: "agent.internal:12345".into(),
        local_http: Arc::new(NoHttp),
        metrics: Arc::new(ControllerMetrics::new(&mut reg)),
        logging: Arc::new(NoLogging),
    })
}

/// `n` components; each after the first references one of the previous ten.
fn config(n: usize) -> String {
    let mut s = String::with_capacity(n * 80);
    for i in 0..n {
        if i == 0 {
            s.push_str("bench.pass \"c0\" {\n\tname = \"c0\"\n}\n\n");
        } else {
            let dep = i - 1 - (i * 7919) % i.min(10);
            s.push_str(&format!("bench.pass \"c{i}\" {{\n\tinput = bench.pass.c{dep}.output\n\tname  = \"c{i}\"\n}}\n\n"));
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("controller");
    g.sample_size(10);
    for n in [1_000usize, 10_000] {
        let src = config(n);
        g.bench_with_input(
            BenchmarkId::new("load_and_first_evaluation", n),
            &src,
            |b, src| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let ctl = start(&rt);
                        let t = Instant::now();
                        let ast = Arc::new(
                            river_agent::syntax::parse_file("bench.river", src.as_bytes())
                                .expect("parses"),
                        );
                        let r = rt.block_on(ctl.load(
                            vec![Source {
                                name: "bench.river".into(),
                                ast,
                            }],
                            String::new(),
                        ));
                        total += t.elapsed();
                        assert!(r.is_ok_and(|r| r.diagnostics.is_empty()));
                        rt.block_on(ctl.shutdown());
                    }
                    total
                })
            },
        );
    }

    // Propagation: trigger → sink, with 1,000 unrelated components around.
    let mut src = config(1000);
    src.push_str("bench.pass \"trigger\" {\n\tname = \"trigger\"\n}\n\nbench.pass \"sink\" {\n\tinput = bench.pass.trigger.output\n\tname  = \"sink\"\n}\n");
    let ctl = start(&rt);
    let ast =
        Arc::new(river_agent::syntax::parse_file("bench.river", src.as_bytes()).expect("parses"));
    let r = rt.block_on(ctl.load(
        vec![Source {
            name: "bench.river".into(),
            ast,
        }],
        String::new(),
    ));
    assert!(r.is_ok_and(|r| r.diagnostics.is_empty()));
    let (tx, rx) = std::sync::mpsc::channel();
    *SINK.lock().unwrap() = Some(tx);
    let trigger = TRIGGER.get().expect("trigger built").clone();
    let mut k = 0u64;
    g.bench_function("exports_change_to_dependant_evaluation", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                k += 1;
                let t = Instant::now();
                trigger.set_exports_value(Value::Object(river_agent::eval::Object::ordered(vec![
                    ("output".into(), Value::from(vec![Value::from(k)])),
                ])));
                let done = rx
                    .recv_timeout(Duration::from_secs(5))
                    .expect("dependant re-evaluated");
                total += done.duration_since(t);
            }
            total
        })
    });
    g.finish();
    rt.block_on(ctl.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
