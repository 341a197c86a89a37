//! Generators of River sources with random layout (newlines, blank lines, comments, trailing
//! commas, tricky literals), shared by the property tests.
#![allow(dead_code)]

use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum Gap {
    None,
    Space,
    Newline,
    BlankLine,
    LineComment,
    BlockComment,
    MultiLineBlockComment,
}

pub fn gap() -> impl Strategy<Value = Gap> {
    prop_oneof![
        4 => Just(Gap::Space),
        2 => Just(Gap::None),
        3 => Just(Gap::Newline),
        1 => Just(Gap::BlankLine),
        1 => Just(Gap::LineComment),
        1 => Just(Gap::BlockComment),
        1 => Just(Gap::MultiLineBlockComment),
    ]
}

/// A gap where a newline is allowed.
pub fn render_gap(g: &Gap) -> &'static str {
    match g {
        Gap::None => "",
        Gap::Space => " ",
        Gap::Newline => "\n\t",
        Gap::BlankLine => "\n\n  ",
        Gap::LineComment => " // note\n",
        Gap::BlockComment => " /* c */ ",
        Gap::MultiLineBlockComment => " /* a\n  b */\n",
    }
}

/// A gap where no newline is allowed (before `]`, `)`, `}` without a comma).
pub fn render_inline_gap(g: &Gap) -> &'static str {
    match g {
        Gap::None
        | Gap::Newline
        | Gap::BlankLine
        | Gap::LineComment
        | Gap::MultiLineBlockComment => "",
        Gap::Space => " ",
        Gap::BlockComment => " /* c */ ",
    }
}

pub const STRINGS: &[&str] = &[
    r#""plain""#,
    "\"tab\there\"",
    r#""esc \" \\ \n \t \u00e9 \x41 \101""#,
    r#""""#,
    "\"é…\"",
    "`raw`",
    "`raw with\ttab`",
    "`multi\nline  \n  raw`",
    "`trailing spaces   \nend`",
    "\"spaces  \"",
];

pub const NUMBERS: &[&str] = &[
    "0",
    "1",
    "010",
    "08",
    "1.",
    ".5",
    "1.5e3",
    "2E-2",
    "18446744073709551616",
];

pub const KEYS: &[&str] = &[
    "a",
    "bb",
    "\"quoted key\"",
    "\"a\\\"b\"",
    "\"\"",
    "`raw.key`",
    "\"app.kubernetes.io/name\"",
    "\"tab\tkey\"",
];

pub const IDENTS: &[&str] = &["x", "env", "sys", "métrica_café", "local"];

#[derive(Clone, Debug)]
pub enum E {
    Lit(&'static str),
    Ident(&'static str),
    Array(Vec<(E, Gap)>, Gap, bool, Gap),
    Object(Vec<(&'static str, E, Gap)>, Gap, bool, Gap),
    Access(Box<E>, &'static str, Gap),
    Index(Box<E>, Box<E>, Gap),
    Call(Box<E>, Vec<(E, Gap)>, Gap, bool, Gap),
    Unary(&'static str, Box<E>),
    Binary(Box<E>, &'static str, Gap, Box<E>),
    Paren(Box<E>, Gap),
}

pub fn leaf() -> impl Strategy<Value = E> {
    prop_oneof![
        prop::sample::select(STRINGS).prop_map(E::Lit),
        prop::sample::select(NUMBERS).prop_map(E::Lit),
        prop::sample::select(&["true", "false", "null"][..]).prop_map(E::Lit),
        prop::sample::select(IDENTS).prop_map(E::Ident),
    ]
}

pub fn expr() -> impl Strategy<Value = E> {
    leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            (
                prop::collection::vec((inner.clone(), gap()), 0..4),
                gap(),
                any::<bool>(),
                gap()
            )
                .prop_map(|(v, g, t, g2)| E::Array(v, g, t, g2)),
            (
                prop::collection::vec((prop::sample::select(KEYS), inner.clone(), gap()), 0..4),
                gap(),
                any::<bool>(),
                gap()
            )
                .prop_map(|(v, g, t, g2)| E::Object(v, g, t, g2)),
            (
                inner.clone(),
                prop::sample::select(&["field", "b"][..]),
                gap()
            )
                .prop_map(|(e, n, g)| E::Access(Box::new(e), n, g)),
            (inner.clone(), inner.clone(), gap()).prop_map(|(a, b, g)| E::Index(
                Box::new(a),
                Box::new(b),
                g
            )),
            (
                prop::sample::select(IDENTS).prop_map(E::Ident),
                prop::collection::vec((inner.clone(), gap()), 0..3),
                gap(),
                any::<bool>(),
                gap()
            )
                .prop_map(|(f, v, g, t, g2)| E::Call(Box::new(f), v, g, t, g2)),
            (prop::sample::select(&["-", "!"][..]), inner.clone())
                .prop_map(|(o, e)| E::Unary(o, Box::new(e))),
            (
                inner.clone(),
                prop::sample::select(
                    &["+", "-", "*", "/", "%", "^", "==", "!=", "<", ">=", "&&", "||"][..]
                ),
                gap(),
                inner.clone()
            )
                .prop_map(|(a, o, g, b)| E::Binary(Box::new(a), o, g, Box::new(b))),
            (inner, gap()).prop_map(|(e, g)| E::Paren(Box::new(e), g)),
        ]
    })
}

/// Renders a comma list: `open gap e1, gap e2 [,] gap close`. Without a trailing comma the
/// last gap must stay on the line.
pub fn render_list(
    out: &mut String,
    items: &[(String, Gap)],
    first: &Gap,
    trailing: bool,
    last: &Gap,
) {
    out.push_str(render_gap(first));
    for (i, (s, g)) in items.iter().enumerate() {
        out.push_str(s);
        if i + 1 < items.len() {
            out.push(',');
            out.push_str(render_gap(g));
        }
    }
    if !items.is_empty() && trailing {
        out.push(',');
        out.push_str(render_gap(last));
    } else {
        out.push_str(render_inline_gap(last));
    }
}

pub fn render(e: &E) -> String {
    match e {
        E::Lit(s) | E::Ident(s) => s.to_string(),
        E::Array(v, g, t, g2) => {
            let items: Vec<_> = v.iter().map(|(e, g)| (render(e), g.clone())).collect();
            let mut s = String::from("[");
            let first = if items.is_empty() {
                Gap::Space
            } else {
                g.clone()
            };
            render_list(&mut s, &items, &first, *t, g2);
            s.push(']');
            s
        }
        E::Object(v, g, t, g2) => {
            let items: Vec<_> = v
                .iter()
                .map(|(k, e, g)| (format!("{k} = {}", render(e)), g.clone()))
                .collect();
            let mut s = String::from("{");
            let first = if items.is_empty() {
                Gap::Space
            } else {
                g.clone()
            };
            render_list(&mut s, &items, &first, *t, g2);
            s.push('}');
            s
        }
        E::Access(e, n, g) => format!("{}.{}{}", wrap_postfix(e), render_gap(g), n),
        E::Index(a, b, g) => format!("{}[{}{}]", wrap_postfix(a), render_gap(g), render(b)),
        E::Call(f, v, g, t, g2) => {
            let items: Vec<_> = v.iter().map(|(e, g)| (render(e), g.clone())).collect();
            let mut s = format!("{}(", render(f));
            if items.is_empty() {
                // `f(\n)` is the upstream bug case: allowed when the gap has a newline.
                s.push_str(render_gap(g));
            } else {
                render_list(&mut s, &items, g, *t, g2);
            }
            s.push(')');
            s
        }
        E::Unary(o, e) => format!("{o}{}", wrap(e)),
        E::Binary(a, o, g, b) => format!("{} {o}{}{}", wrap(a), render_gap(g), wrap(b)),
        E::Paren(e, g) => format!("({}{})", render_gap(g), render(e)),
    }
}

/// Like [`wrap`], and also parenthesises number literals, which would swallow a `.`.
pub fn wrap_postfix(e: &E) -> String {
    match e {
        E::Lit(s) if s.as_bytes()[0].is_ascii_digit() || s.starts_with('.') => format!("({s})"),
        _ => wrap(e),
    }
}

/// Parenthesises operands that are themselves operators, so the rendered text has the tree's
/// shape.
pub fn wrap(e: &E) -> String {
    match e {
        E::Binary(..) | E::Unary(..) => format!("({})", render(e)),
        _ => render(e),
    }
}

#[derive(Clone, Debug)]
pub enum S {
    Attr(&'static str, E),
    Block(Vec<&'static str>, Option<&'static str>, Vec<(S, Gap)>),
}

pub fn stmt() -> impl Strategy<Value = S> {
    let attr = (
        prop::sample::select(&["a", "name", "really_long_name", "é"][..]),
        expr(),
    )
        .prop_map(|(n, e)| S::Attr(n, e));
    attr.prop_recursive(3, 20, 4, |inner| {
        (
            prop::collection::vec(
                prop::sample::select(&["prometheus", "scrape", "x"][..]),
                1..3,
            ),
            prop::option::of(prop::sample::select(&["\"lbl\"", "\"\"", "\"é_x\""][..])),
            prop::collection::vec((inner, gap()), 0..4),
        )
            .prop_map(|(n, l, b)| S::Block(n, l, b))
    })
}

/// Statements are separated by at least one newline, possibly with comments and blank lines.
pub fn stmt_sep(g: &Gap) -> &'static str {
    match g {
        Gap::None | Gap::Space | Gap::Newline => "\n",
        Gap::BlankLine => "\n\n\n",
        Gap::LineComment => " // trailing\n",
        Gap::BlockComment => "\n/* between */\n",
        Gap::MultiLineBlockComment => "\n\n// own line\n// group\n",
    }
}

pub fn render_stmts(out: &mut String, body: &[(S, Gap)]) {
    for (s, g) in body {
        match s {
            S::Attr(n, e) => {
                out.push_str(n);
                out.push_str(" =");
                out.push_str(render_gap(g));
                out.push_str(&render(e));
            }
            S::Block(n, l, b) => {
                out.push_str(&n.join("."));
                if let Some(l) = l {
                    out.push(' ');
                    out.push_str(l);
                }
                out.push_str(" {");
                if b.is_empty() {
                    out.push_str(if matches!(g, Gap::Newline) { "\n" } else { "" });
                } else {
                    out.push('\n');
                    render_stmts(out, b);
                }
                out.push('}');
            }
        }
        out.push_str(stmt_sep(g));
    }
}
