//! The minijinja environment: built-in templates compiled in and served through a loader (which
//! an override directory can shadow file by file), strict undefined variables, the filters that
//! format numbers, and the output formatter that escapes untrusted text for Markdown and HTML.

use std::path::Path;

use minijinja::{
    context, escape_formatter, AutoEscape, Environment, Error, ErrorKind, Output, State,
    UndefinedBehavior, Value,
};

use super::insight_view::InsightView;
use super::view::{change_marker, View};
use super::{escape, human, Report};

/// The auto-escape mode of Markdown templates; the formatter below implements it.
const MARKDOWN: &str = "markdown";

/// The built-in templates, by name. A name ending in `.md.j2` is escaped as Markdown, one ending
/// in `.html.j2` as HTML.
const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("report.md.j2", include_str!("../../templates/report.md.j2")),
    (
        "_macros.md.j2",
        include_str!("../../templates/_macros.md.j2"),
    ),
    (
        "_pipelines_table.md.j2",
        include_str!("../../templates/_pipelines_table.md.j2"),
    ),
    (
        "report.html.j2",
        include_str!("../../templates/report.html.j2"),
    ),
    (
        "_macros.html.j2",
        include_str!("../../templates/_macros.html.j2"),
    ),
    (
        "_headline.html.j2",
        include_str!("../../templates/_headline.html.j2"),
    ),
    (
        "_pipelines_table.html.j2",
        include_str!("../../templates/_pipelines_table.html.j2"),
    ),
    (
        "_definitions.html.j2",
        include_str!("../../templates/_definitions.html.j2"),
    ),
    (
        "_red_now.md.j2",
        include_str!("../../templates/_red_now.md.j2"),
    ),
    (
        "_insight.md.j2",
        include_str!("../../templates/_insight.md.j2"),
    ),
    (
        "_data_quality.md.j2",
        include_str!("../../templates/_data_quality.md.j2"),
    ),
    (
        "_red_now.html.j2",
        include_str!("../../templates/_red_now.html.j2"),
    ),
    (
        "_insight.html.j2",
        include_str!("../../templates/_insight.html.j2"),
    ),
    (
        "_data_quality.html.j2",
        include_str!("../../templates/_data_quality.html.j2"),
    ),
    ("_gates.md.j2", include_str!("../../templates/_gates.md.j2")),
    (
        "_gates.html.j2",
        include_str!("../../templates/_gates.html.j2"),
    ),
    (
        "_styles.css.j2",
        include_str!("../../templates/_styles.css.j2"),
    ),
];

fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN_TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| *source)
}

/// Whether a template name stays inside the override directory: a plain relative path without
/// `..`, so `{% include %}` cannot read files elsewhere.
fn is_contained(name: &str) -> bool {
    let path = Path::new(name);
    path.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Builds the environment. With `templates_dir`, a template found there replaces the built-in of
/// the same name; the others stay built in.
pub fn environment(templates_dir: Option<&Path>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    let dir = templates_dir.map(Path::to_path_buf);
    env.set_loader(move |name| {
        if let Some(dir) = &dir {
            if !is_contained(name) {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("template name {name:?} leaves the templates directory"),
                ));
            }
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(source) => return Ok(Some(source)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("cannot read template {}", path.display()),
                    )
                    .with_source(e))
                }
            }
        }
        Ok(builtin(name).map(str::to_owned))
    });
    env.set_auto_escape_callback(|name| {
        let base = name.strip_suffix(".j2").unwrap_or(name);
        if base.ends_with(".md") {
            AutoEscape::Custom(MARKDOWN)
        } else {
            minijinja::default_auto_escape_callback(name)
        }
    });
    env.set_formatter(format_value);
    env.add_filter("duration", |seconds: Option<f64>| human::duration(seconds));
    env.add_filter("percent", |fraction: Option<f64>| human::percent(fraction));
    env.add_filter("interval", |bounds: Option<Vec<f64>>| {
        human::interval(bounds.and_then(|b| <[f64; 2]>::try_from(b).ok()))
    });
    env.add_filter("points", |delta: Option<f64>| human::points_delta(delta));
    env.add_filter("change_marker", |delta: Option<f64>, significant: bool| {
        change_marker(delta, significant)
    });
    env.add_filter("gate_value", |value: Value, name: &str| {
        let json = serde_json::to_value(&value).unwrap_or_default();
        crate::gates::display_value(name, &json)
    });
    // For hand-written HTML inside Markdown (`<summary>`), where backslash escapes do not work.
    env.add_filter("inline_html", |text: &str| {
        Value::from_safe_string(escape::html_in_markdown(text))
    });
    env
}

/// Writes a value into the output. Markdown: every string not marked safe is escaped. HTML:
/// bidi controls are removed, then minijinja's HTML escaping applies as usual.
fn format_value(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    match state.auto_escape() {
        AutoEscape::Custom(MARKDOWN) => {
            if value.is_safe() {
                out.write_str(&value.to_string())?;
            } else if let Some(text) = value.as_str() {
                out.write_str(&escape::markdown(text))?;
            } else {
                out.write_str(&escape::markdown(&value.to_string()))?;
            }
            Ok(())
        }
        AutoEscape::Custom(other) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("no escaping defined for {other:?}"),
        )),
        _ => match value.as_str() {
            Some(text) if !value.is_safe() => {
                escape_formatter(out, state, &Value::from(escape::strip_bidi(text).as_ref()))
            }
            _ => escape_formatter(out, state, value),
        },
    }
}

/// Renders the template `name` for `report`. The context holds the report document itself
/// (`report`, as JSON shows it) and its display model (`view`).
pub fn render_template(
    env: &Environment<'_>,
    name: &str,
    report: &Report,
) -> Result<String, minijinja::Error> {
    render_view(env, name, report, &View::from_report(report))
}

/// Renders the template `name` with a display model already built (and perhaps trimmed).
pub fn render_view(
    env: &Environment<'_>,
    name: &str,
    report: &Report,
    view: &View,
) -> Result<String, minijinja::Error> {
    let template = env.get_template(name)?;
    let insight = InsightView::from_report(report);
    template.render(context! { report => report, view => view, insight => insight })
}

/// The built-in templates, `(name, source)`, for `ci-vitals templates dump`.
pub fn builtin_templates() -> &'static [(&'static str, &'static str)] {
    BUILTIN_TEMPLATES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(name: &str, source: &str, ctx: Value) -> String {
        let mut env = environment(None);
        env.add_template_owned(name.to_owned(), source.to_owned())
            .expect("test template parses");
        env.get_template(name)
            .and_then(|t| t.render(ctx))
            .expect("test template renders")
    }

    #[test]
    fn markdown_templates_escape_untrusted_strings() {
        let out = render_str(
            "t.md.j2",
            "{{ name }}|{{ n }}|{{ safe|safe }}",
            context! { name => "a|b *c*", n => 3, safe => "**x**" },
        );
        assert_eq!(out, r"a\|b \*c\*|3|**x**");
    }

    #[test]
    fn html_templates_escape_and_drop_bidi_controls() {
        let out = render_str(
            "t.html.j2",
            "{{ name }}",
            context! { name => "<b>\u{202E}x</b>" },
        );
        assert_eq!(out, "&lt;b&gt;x&lt;&#x2f;b&gt;");
    }

    #[test]
    fn undefined_variables_are_errors() {
        let env = environment(None);
        let err = env
            .render_str("{{ missing }}", context! {})
            .expect_err("strict undefined");
        assert_eq!(err.kind(), ErrorKind::UndefinedError);
    }

    #[test]
    fn filters_format_numbers() {
        let out = render_str(
            "t.md.j2",
            "{{ 252|duration }} {{ none|duration }} {{ 0.125|percent }} \
             {{ [0.0524, 0.3604]|interval }} {{ 0.2|change_marker(true) }}",
            context! {},
        );
        // The interval's brackets are escaped like any other text in Markdown.
        assert_eq!(out, r"4m 12s – 12.5% \[5.2%–36.0%\] ▲");
    }

    #[test]
    fn override_directory_shadows_builtins_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("report.md.j2"), "custom {{ 1 + 1 }}").expect("write");
        let env = environment(Some(dir.path()));
        let custom = env.get_template("report.md.j2").expect("override");
        assert_eq!(custom.render(context! {}).expect("render"), "custom 2");
        // Files not in the directory fall back to the built-ins.
        assert!(env.get_template("_styles.css.j2").is_ok());
        assert!(env.get_template("../etc/passwd").is_err());
    }
}
