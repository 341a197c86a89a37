//! Page helpers shared by the browser tests (`ui_assets`, `ui_e2e`): waiting for the app to
//! render, running scripts, reading text, measuring a page load. Failures panic with the page's
//! visible text, which is what one needs to see why a wait timed out.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::webdriver::{Element, Session};

/// How long a page may take to show what a test waits for.
pub const WAIT: Duration = Duration::from_secs(30);

/// The start of the page's visible text (for failure messages).
pub async fn page_text(s: &Session) -> String {
    s.execute("return document.body.innerText.slice(0, 3000)", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Waits until the app says `page` has rendered its first data.
pub async fn ready(s: &Session, page: &str) {
    let script = format!("return document.body.dataset.ready === {page:?};");
    if let Err(e) = s.wait_until(&script, WAIT).await {
        let url = s.current_url().await.unwrap_or_default();
        panic!(
            "page {page} not ready at {url}: {e}\n--- page text ---\n{}",
            page_text(s).await
        );
    }
}

/// Runs `script` in the page and returns its value.
pub async fn js(s: &Session, script: &str) -> Value {
    s.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Waits up to `timeout` until `script` returns a truthy value, and returns it.
pub async fn wait_js_for(s: &Session, script: &str, timeout: Duration) -> Value {
    match s.wait_until(script, timeout).await {
        Ok(v) => v,
        Err(e) => panic!("{e}\n--- page text ---\n{}", page_text(s).await),
    }
}

/// [`wait_js_for`] with the default [`WAIT`].
pub async fn wait_js(s: &Session, script: &str) -> Value {
    wait_js_for(s, script, WAIT).await
}

/// Waits for the first element matching `css`.
pub async fn element(s: &Session, css: &str) -> Element {
    match s.wait_for(css, WAIT).await {
        Ok(e) => e,
        Err(e) => panic!("{css}: {e}\n--- page text ---\n{}", page_text(s).await),
    }
}

/// The text of the first element matching `css`, once it exists.
pub async fn text_of(s: &Session, css: &str) -> String {
    element(s, css).await.text().await.unwrap()
}

/// Lowers the poll period for `origin` (the app reads it at start-up).
pub async fn fast_polling(s: &Session, origin: &str, ms: u32) {
    s.goto(&format!("{origin}/nothing-here")).await.unwrap();
    js(
        s,
        &format!(
            "localStorage.setItem('river.pollMs', '{ms}'); sessionStorage.clear(); return true;"
        ),
    )
    .await;
}

/// Loads `url` in the browser and returns the page's own figures: `totalMs` (navigation start →
/// first render painted), `fetchMs` (waiting for the API), DOM size and JS heap, plus `wallMs`
/// (WebDriver navigation → ready, as seen from the test).
pub async fn measure(s: &Session, url: &str, page: &str) -> Value {
    let t0 = Instant::now();
    s.goto(url).await.unwrap();
    ready(s, page).await;
    let wall = t0.elapsed();
    let mut v = js(
        s,
        "const t = window.__ui.timings[window.__ui.timings.length - 1];
         return { totalMs: t.totalMs, fetchMs: t.fetchMs,
                  domNodes: document.getElementsByTagName('*').length,
                  heapMB: performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1048576) : null };",
    )
    .await;
    v["wallMs"] = json!(wall.as_millis() as u64);
    v
}
