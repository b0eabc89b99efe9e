//! `benchmarks.svg`: the figures of the last `bench-compile` and `bench-runtime` runs
//! (`target/bench/*.json`) as grouped horizontal bars, one group per figure, each bar scaled to
//! the largest of its group. Plain SVG text, no plotting crate.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde_json::Value;

/// One group: a title, the unit, and `(side, value)` bars (smaller is better everywhere).
struct Group {
    title: String,
    unit: &'static str,
    bars: Vec<(String, f64)>,
}

const WIDTH: f64 = 860.0;
const LABEL: f64 = 150.0;
const BAR_MAX: f64 = 540.0;
const BAR: f64 = 16.0;

fn color(side: &str) -> &'static str {
    match side {
        "twitch-sdk" => "#6441a5",
        "twitch_api" => "#d08a2b",
        _ => "#8c8c8c",
    }
}

fn compile_groups(r: &Value, groups: &mut Vec<Group>) {
    let num = |v: &Value| v.as_f64();
    for profile in ["release", "debug"] {
        let c = &r["crate"][profile];
        if let (Some(s), Some(a)) = (num(&c["sdk"]["wall"]), num(&c["twitch_api"]["wall"])) {
            groups.push(Group {
                title: format!("compile the SDK crates alone, {profile} (wall)"),
                unit: "s",
                bars: vec![("twitch-sdk".into(), s), ("twitch_api".into(), a)],
            });
        }
    }
    if let (Some(s), Some(a)) = (
        num(&r["cold"]["sdk"]["wall"]),
        num(&r["cold"]["twitch_api"]["wall"]),
    ) {
        groups.push(Group {
            title: "cold release build of a one-call program (wall)".into(),
            unit: "s",
            bars: vec![("twitch-sdk".into(), s), ("twitch_api".into(), a)],
        });
    }
    if let (Some(s), Some(a)) = (
        num(&r["size"]["sdk"]["added"]),
        num(&r["size"]["twitch_api"]["added"]),
    ) {
        groups.push(Group {
            title: "release binary size added to plain reqwest + serde_json".into(),
            unit: "KiB",
            bars: vec![
                ("twitch-sdk".into(), s / 1024.0),
                ("twitch_api".into(), a / 1024.0),
            ],
        });
    }
}

fn runtime_groups(r: &Value, groups: &mut Vec<Group>) {
    for f in r["figures"].as_array().into_iter().flatten() {
        if f["chart"].as_bool() != Some(true) {
            continue;
        }
        let unit = match f["unit"].as_str() {
            Some("us") => "µs",
            Some("ns") => "ns",
            Some("MiB") => "MiB",
            _ => "",
        };
        let bars = f["sides"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(side, v)| Some((side.clone(), v.as_f64()?)))
            .collect();
        groups.push(Group {
            title: f["title"].as_str().unwrap_or("?").to_owned(),
            unit,
            bars,
        });
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn svg(groups: &[Group], machine: &str) -> String {
    let height: f64 = 60.0
        + groups
            .iter()
            .map(|g| 30.0 + g.bars.len() as f64 * (BAR + 4.0) + 10.0)
            .sum::<f64>();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text x="10" y="22" font-size="15" font-weight="bold">twitch-sdk benchmarks (shorter is better)</text>"#
    );
    let _ = writeln!(
        out,
        r##"<text x="10" y="40" fill="#555555">{}</text>"##,
        escape(machine)
    );
    let mut y = 60.0;
    for g in groups {
        // The title carries twitch-sdk's ratio to each other side.
        let sdk = g.bars.iter().find(|b| b.0 == "twitch-sdk").map(|b| b.1);
        let ratios: Vec<String> = g
            .bars
            .iter()
            .filter(|b| b.0 != "twitch-sdk" && b.1 > 0.0)
            .filter_map(|b| Some(format!("{:.2}x {}", sdk? / b.1, b.0)))
            .collect();
        let title = if ratios.is_empty() {
            g.title.clone()
        } else {
            format!("{} — twitch-sdk is {}", g.title, ratios.join(", "))
        };
        let _ = writeln!(
            out,
            r#"<text x="10" y="{}" font-weight="bold">{}</text>"#,
            y + 14.0,
            escape(&title)
        );
        y += 22.0;
        let max = g.bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
        for (side, value) in &g.bars {
            let w = if max > 0.0 {
                (value / max * BAR_MAX).max(1.0)
            } else {
                1.0
            };
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                LABEL - 6.0,
                y + BAR - 4.0,
                escape(side)
            );
            let _ = writeln!(
                out,
                r#"<rect x="{LABEL}" y="{y}" width="{w:.1}" height="{BAR}" fill="{}"/>"#,
                color(side)
            );
            let text = if *value >= 100.0 {
                format!("{value:.0} {}", g.unit)
            } else if *value >= 10.0 {
                format!("{value:.1} {}", g.unit)
            } else {
                format!("{value:.2} {}", g.unit)
            };
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{}">{}</text>"#,
                LABEL + w + 6.0,
                y + BAR - 4.0,
                escape(&text)
            );
            y += BAR + 4.0;
        }
        y += 18.0;
    }
    out.push_str("</svg>\n");
    out
}

/// Rewrites `benchmarks.svg` from whatever results `target/bench/` holds.
pub fn redraw(root: &Path) -> Result<(), String> {
    let read = |name: &str| -> Option<Value> {
        let text = fs::read_to_string(root.join("target/bench").join(name)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let (compile, runtime) = (read("compile.json"), read("runtime.json"));
    let mut groups = Vec::new();
    let mut machine = String::new();
    if let Some(r) = &compile {
        compile_groups(r, &mut groups);
        machine = machine_line(&r["machine"]);
    }
    if let Some(r) = &runtime {
        runtime_groups(r, &mut groups);
        if machine.is_empty() {
            machine = machine_line(&r["machine"]);
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    let path = root.join("benchmarks.svg");
    fs::write(&path, svg(&groups, &machine)).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn machine_line(m: &Value) -> String {
    format!(
        "{} cores, {}, {}",
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["rustc"].as_str().unwrap_or("?")
    )
}
