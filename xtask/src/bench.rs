//! `cargo xtask bench-compile` and `cargo xtask bench-runtime`: the comparisons with the
//! `twitch_api` crate, built from crates.io in scratch projects outside the workspace (the
//! workspace never depends on it). See BENCHMARKS.md for what each figure means.
//!
//! - `bench-compile`: writes four one-call programs (twitch-sdk, `twitch_api` with its `helix` and
//!   `eventsub` features, as twitch-sdk has both, and plain
//!   reqwest + serde_json with each side's TLS setup), builds the two SDK programs cold in their
//!   own target directories (`--timings`), the plain programs next to them for the added binary
//!   size, then rebuilds only twitch-models + twitch-sdk and only `twitch_api` (dependencies
//!   built) in release and debug, alternating sides. Prints the table, saves
//!   `target/bench/compile.json` and redraws `benchmarks.svg`.
//! - `bench-runtime`: builds `twitch-sdk/benches/runtime.rs` in a scratch project that also
//!   depends on `twitch_api` with its `eventsub` feature (the `bench_twitch_api` cfg turns its
//!   side on, Helix decoding and EventSub notification parsing), runs it, saves
//!   `target/bench/runtime.json` and redraws the chart.
//!
//! Wall time is what a user waits; CPU time (user + system of every process the build ran) is
//! reported next to it because it moves less when other work shares the machine.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::chart;

/// Where the scratch projects live unless `TWITCH_BENCH_DIR` says otherwise.
const DEFAULT_SCRATCH: &str = "/tmp/twitch-sdk-bench";

struct Options {
    reps: u32,
    cold: bool,
}

pub fn compile(args: &[&str], root: &Path) -> ExitCode {
    let mut options = Options {
        reps: 2,
        cold: true,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--no-cold" => options.cold = false,
            "--reps" => match it.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => options.reps = n,
                _ => return usage(),
            },
            _ => return usage(),
        }
    }
    match run_compile(&options, root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-compile: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask bench-compile [--reps N] [--no-cold]");
    ExitCode::from(2)
}

fn scratch_dir() -> PathBuf {
    std::env::var_os("TWITCH_BENCH_DIR")
        .map_or_else(|| PathBuf::from(DEFAULT_SCRATCH), PathBuf::from)
}

/// One program of the comparison.
struct Program {
    /// Directory and binary name.
    name: &'static str,
    deps: String,
    main: String,
}

fn programs(root: &Path) -> [Program; 4] {
    let tokio = r#"tokio = { version = "1", features = ["rt", "macros"] }"#;
    [
        Program {
            name: "sdk-one-call",
            deps: format!(
                "twitch-sdk = {{ path = {:?} }}\n{tokio}\n",
                root.join("twitch-sdk").display().to_string()
            ),
            main: SDK_MAIN.to_owned(),
        },
        Program {
            name: "twitch-api-one-call",
            deps: format!(
                "twitch_api = {{ version = \"0.8\", features = [\"helix\", \"eventsub\", \"client\", \"reqwest\"] }}\n\
                 reqwest = \"0.13\"\n{tokio}\n"
            ),
            main: TWITCH_API_MAIN.to_owned(),
        },
        Program {
            // The floor under twitch-sdk: its TLS setup (rustls with ring).
            name: "floor-ring",
            deps: format!(
                "reqwest = {{ version = \"0.13\", default-features = false, features = [\"json\", \"rustls-no-provider\"] }}\n\
                 rustls = {{ version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n{tokio}\n"
            ),
            main: format!("{FLOOR_RING_CLIENT}{FLOOR_BODY}"),
        },
        Program {
            // The floor under twitch_api: reqwest's default TLS (rustls with aws-lc-rs).
            name: "floor-default",
            deps: format!(
                "reqwest = {{ version = \"0.13\", features = [\"json\"] }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n{tokio}\n"
            ),
            main: format!("{FLOOR_DEFAULT_CLIENT}{FLOOR_BODY}"),
        },
    ]
}

fn write_program(dir: &Path, p: &Program) -> Result<(), String> {
    let path = dir.join(p.name);
    fs::create_dir_all(path.join("src")).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{}\n[workspace]\n",
        p.name, p.deps
    );
    write_if_changed(&path.join("Cargo.toml"), &manifest)?;
    write_if_changed(&path.join("src/main.rs"), &p.main)
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A finished timed command.
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

/// User + system seconds of every reaped child process of this one so far.
fn children_cpu() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`: state is field 3; cutime and cstime are fields 16 and 17.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Index 0 is field 3; the kernel's USER_HZ is 100 on Linux.
    (ticks(13) + ticks(14)) / 100.0
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

fn run(mut cmd: Command, quiet: bool) -> Result<Timing, String> {
    let what = format!("{cmd:?}");
    if quiet {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let cpu0 = children_cpu();
    let start = Instant::now();
    let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu() - cpu0;
    if !status.success() {
        return Err(format!("{what} failed ({status})"));
    }
    Ok(Timing { wall, cpu })
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Seconds per unit from a `cargo build --timings` report: `[(crate, seconds)]`, longest first.
fn timings_units(target: &Path) -> Vec<(String, f64)> {
    let Ok(html) = fs::read_to_string(target.join("cargo-timings/cargo-timing.html")) else {
        return Vec::new();
    };
    let Some(start) = html.find("const UNIT_DATA = ") else {
        return Vec::new();
    };
    let rest = &html[start + "const UNIT_DATA = ".len()..];
    let Some(end) = rest.find(";\n") else {
        return Vec::new();
    };
    let Ok(Value::Array(units)) = serde_json::from_str::<Value>(&rest[..end]) else {
        return Vec::new();
    };
    let mut by_crate: Vec<(String, f64)> = Vec::new();
    for u in &units {
        let name = u["name"].as_str().unwrap_or("?");
        let target = u["target"].as_str().unwrap_or("");
        let label = if target.contains("build script") || target.contains("custom-build") {
            format!("{name} (build script)")
        } else {
            name.to_owned()
        };
        let secs = u["duration"].as_f64().unwrap_or(0.0);
        match by_crate.iter_mut().find(|(n, _)| *n == label) {
            Some(entry) => entry.1 += secs,
            None => by_crate.push((label, secs)),
        }
    }
    by_crate.sort_by(|a, b| b.1.total_cmp(&a.1));
    by_crate
}

fn binary_size(target: &Path, name: &str) -> Result<u64, String> {
    let path = target.join("release").join(name);
    fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn run_compile(options: &Options, root: &Path) -> Result<(), String> {
    let dir = scratch_dir();
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let [sdk, twitch_api, floor_ring, floor_default] = programs(root);
    for p in [&sdk, &twitch_api, &floor_ring, &floor_default] {
        write_program(&dir, p)?;
    }
    let target_sdk = dir.join("target-sdk");
    let target_api = dir.join("target-twitch-api");
    // Downloads are not build time: fetch everything first.
    for p in [&sdk, &twitch_api, &floor_ring, &floor_default] {
        let target = if p.name == "sdk-one-call" || p.name == "floor-ring" {
            &target_sdk
        } else {
            &target_api
        };
        run(
            cargo(&dir.join(p.name), target, &["fetch", "--quiet"]),
            false,
        )?;
    }
    let mut report = json!({
        "machine": machine(),
        "load_average_start": load_average(),
    });
    println!("machine: {}", report["machine"]);

    // 1. Cold builds, release, each in an empty target directory.
    if options.cold {
        for (p, target, key) in [
            (&sdk, &target_sdk, "sdk"),
            (&twitch_api, &target_api, "twitch_api"),
        ] {
            let _ = fs::remove_dir_all(target);
            eprintln!("cold release build of {} (load {})", p.name, load_average());
            let t = run(
                cargo(
                    &dir.join(p.name),
                    target,
                    &["build", "--release", "--timings", "--quiet"],
                ),
                true,
            )?;
            let units = timings_units(target);
            let top: Vec<Value> = units
                .iter()
                .take(12)
                .map(|(n, s)| json!([n, (s * 10.0).round() / 10.0]))
                .collect();
            report["cold"][key] = json!({ "wall": t.wall, "cpu": t.cpu, "top_units": top });
            eprintln!("  {:.1} s wall, {:.1} s CPU", t.wall, t.cpu);
        }
    }

    // 2. Added binary size: each one-call program against the plain program with its TLS.
    for (p, floor, target, key) in [
        (&sdk, &floor_ring, &target_sdk, "sdk"),
        (&twitch_api, &floor_default, &target_api, "twitch_api"),
    ] {
        run(
            cargo(
                &dir.join(p.name),
                target,
                &["build", "--release", "--quiet"],
            ),
            true,
        )?;
        run(
            cargo(
                &dir.join(floor.name),
                target,
                &["build", "--release", "--quiet"],
            ),
            true,
        )?;
        let (size, floor_size) = (
            binary_size(target, p.name)?,
            binary_size(target, floor.name)?,
        );
        report["size"][key] = json!({
            "binary": size,
            "floor": floor_size,
            "floor_program": floor.name,
            "added": size as i64 - floor_size as i64,
        });
    }

    // 3. The SDK crates alone, dependencies built; alternating sides, best of `reps`.
    for (profile, flags) in [("release", &["--release"][..]), ("debug", &[][..])] {
        let sides = [
            (
                "sdk",
                &sdk,
                &target_sdk,
                &["twitch-models", "twitch-sdk"][..],
                "twitch-sdk",
            ),
            (
                "twitch_api",
                &twitch_api,
                &target_api,
                &["twitch_api"][..],
                "twitch_api",
            ),
        ];
        for (_, p, target, _, package) in &sides {
            let mut args = vec!["build", "--quiet", "-p", package];
            args.extend_from_slice(flags);
            run(cargo(&dir.join(p.name), target, &args), true)?;
        }
        let mut best = [None::<Timing>, None::<Timing>];
        for rep in 0..options.reps {
            for (i, (key, p, target, clean, package)) in sides.iter().enumerate() {
                let mut args = vec!["clean", "--quiet"];
                for c in *clean {
                    args.extend_from_slice(&["-p", c]);
                }
                args.extend_from_slice(flags);
                run(cargo(&dir.join(p.name), target, &args), true)?;
                let mut args = vec!["build", "--quiet", "-p", package];
                args.extend_from_slice(flags);
                let load = load_average();
                let t = run(cargo(&dir.join(p.name), target, &args), true)?;
                eprintln!(
                    "{profile} {key} alone, rep {}: {:.1} s wall, {:.1} s CPU (load {load})",
                    rep + 1,
                    t.wall,
                    t.cpu
                );
                if best[i].is_none_or(|b| t.wall < b.wall) {
                    best[i] = Some(t);
                }
            }
        }
        for (i, (key, ..)) in sides.iter().enumerate() {
            if let Some(t) = best[i] {
                report["crate"][profile][key] = json!({ "wall": t.wall, "cpu": t.cpu });
            }
        }
    }
    // 4. `cargo xtask codegen` on the whole spec, this binary already built: best of three.
    let exe = std::env::current_exe().map_err(|e| format!("this executable: {e}"))?;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut cmd = Command::new(&exe);
        cmd.arg("codegen").current_dir(root);
        best = best.min(run(cmd, true)?.wall);
    }
    report["codegen_s"] = json!(best);
    report["load_average_end"] = json!(load_average());

    print!("{}", compile_table(&report));
    save(root, "compile.json", &report)?;
    chart::redraw(root)
}

fn machine() -> Value {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    json!({ "nproc": nproc, "cpu": cpu, "rustc": rustc })
}

pub(crate) fn save(root: &Path, name: &str, report: &Value) -> Result<(), String> {
    let dir = root.join("target/bench");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("saved {}", path.display());
    Ok(())
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        "-".into()
    }
}

fn compile_table(r: &Value) -> String {
    let mut out =
        String::from("\n| figure | twitch-sdk | twitch_api | ratio |\n|---|---|---|---|\n");
    let secs = |v: &Value| v.as_f64().unwrap_or(0.0);
    for profile in ["release", "debug"] {
        let (s, a) = (
            &r["crate"][profile]["sdk"],
            &r["crate"][profile]["twitch_api"],
        );
        for (what, key) in [("wall", "wall"), ("CPU", "cpu")] {
            let _ = writeln!(
                out,
                "| crates alone, {profile}, {what} | {:.1} s | {:.1} s | {} |",
                secs(&s[key]),
                secs(&a[key]),
                ratio(secs(&s[key]), secs(&a[key]))
            );
        }
    }
    if r.get("cold").is_some() {
        let (s, a) = (&r["cold"]["sdk"], &r["cold"]["twitch_api"]);
        for (what, key) in [("wall", "wall"), ("CPU", "cpu")] {
            let _ = writeln!(
                out,
                "| cold one-call program, release, {what} | {:.1} s | {:.1} s | {} |",
                secs(&s[key]),
                secs(&a[key]),
                ratio(secs(&s[key]), secs(&a[key]))
            );
        }
    }
    if let Some(codegen) = r["codegen_s"].as_f64() {
        let _ = writeln!(
            out,
            "| `cargo xtask codegen`, whole spec | {codegen:.2} s | | target < 2 s |"
        );
    }
    let (s, a) = (&r["size"]["sdk"], &r["size"]["twitch_api"]);
    let kb = |v: &Value| v.as_f64().unwrap_or(0.0) / 1024.0;
    let _ = writeln!(
        out,
        "| added release binary size | {:.0} KiB | {:.0} KiB | {} |",
        kb(&s["added"]),
        kb(&a["added"]),
        ratio(kb(&s["added"]), kb(&a["added"]))
    );
    let _ = writeln!(
        out,
        "| release binary (floor) | {:.0} KiB ({:.0}) | {:.0} KiB ({:.0}) | |",
        kb(&s["binary"]),
        kb(&s["floor"]),
        kb(&a["binary"]),
        kb(&a["floor"])
    );
    if r.get("cold").is_some() {
        for key in ["sdk", "twitch_api"] {
            let units: Vec<String> = r["cold"][key]["top_units"]
                .as_array()
                .into_iter()
                .flatten()
                .take(6)
                .map(|u| format!("{} {}s", u[0].as_str().unwrap_or("?"), u[1]))
                .collect();
            let _ = writeln!(out, "\nslowest units, cold {key}: {}", units.join(", "));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// bench-runtime

pub fn runtime(args: &[&str], root: &Path) -> ExitCode {
    let mut quick = false;
    let mut build_only = false;
    let mut extra = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--quick" => quick = true,
            "--build-only" => build_only = true,
            "--only" | "--side" => match it.next() {
                Some(value) => extra.extend([arg.to_string(), value.to_string()]),
                None => return runtime_usage(),
            },
            _ => return runtime_usage(),
        }
    }
    match run_runtime(root, quick, build_only, &extra) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime_usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask bench-runtime [--quick] [--build-only] \
         [--only overhead,decode,paging,ratelimit] [--side NAME]"
    );
    ExitCode::from(2)
}

fn run_runtime(root: &Path, quick: bool, build_only: bool, extra: &[String]) -> Result<(), String> {
    let dir = scratch_dir().join("runtime");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bench = root.join("twitch-sdk/benches/runtime.rs");
    let manifest = format!(
        "[package]\nname = \"runtime-compare\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\
         build = \"build.rs\"\n\n\
         [[bin]]\nname = \"runtime\"\npath = {:?}\n\n\
         [dependencies]\n\
         twitch-sdk = {{ path = {:?}, features = [\"mock\", \"__bench\"] }}\n\
         twitch-models = {{ path = {:?} }}\n\
         twitch_api = {{ version = \"0.8\", features = [\"helix\", \"client\", \"reqwest\", \"mock_api\", \"eventsub\"] }}\n\
         reqwest = {{ version = \"0.13\", default-features = false, features = [\"json\"] }}\n\
         http = \"1\"\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\
         tokio = {{ version = \"1\", features = [\"rt\", \"rt-multi-thread\", \"macros\", \"net\", \"io-util\", \"time\", \"sync\"] }}\n\
         futures-core = \"0.3\"\nbytes = \"1\"\n\
         rustls = {{ version = \"0.23\", default-features = false, features = [\"ring\", \"std\"] }}\n\n\
         [profile.release]\ndebug = false\n\n[workspace]\n",
        bench.display().to_string(),
        root.join("twitch-sdk").display().to_string(),
        root.join("twitch-models").display().to_string(),
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(
        &dir.join("build.rs"),
        "fn main() {\n    // Turns on the `twitch_api` side of twitch-sdk/benches/runtime.rs.\n    \
         println!(\"cargo::rustc-check-cfg=cfg(bench_twitch_api)\");\n    \
         println!(\"cargo::rustc-cfg=bench_twitch_api\");\n}\n",
    )?;
    let target = scratch_dir().join("target-runtime");
    run(
        cargo(&dir, &target, &["build", "--release", "--quiet"]),
        false,
    )?;
    if build_only {
        return Ok(());
    }
    let out = root.join("target/bench/runtime.json");
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let mut cmd = Command::new(target.join("release/runtime"));
    cmd.arg("--json").arg(&out);
    if quick {
        cmd.arg("--quick");
    }
    cmd.args(extra);
    eprintln!("running the runtime comparison (load {})", load_average());
    run(cmd, false)?;
    chart::redraw(root)
}

// ---------------------------------------------------------------------------------------------
// The one-call programs.

const SDK_MAIN: &str = r#"//! One call with twitch-sdk: an app token, then the user `twitchdev`.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::var("TWITCH_CLIENT_ID")?;
    let secret = std::env::var("TWITCH_CLIENT_SECRET")?;
    let client = twitch_sdk::Client::builder().build()?;
    let app = client.app(twitch_sdk::ClientCredentials::new(id, secret)).await?;
    let users = app.get_users().user_logins(["twitchdev"]).await?;
    println!("{users:?}");
    Ok(())
}
"#;

const TWITCH_API_MAIN: &str = r#"//! One call with twitch_api: an app token, then the user `twitchdev`.
use twitch_api::HelixClient;
use twitch_api::twitch_oauth2::AppAccessToken;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::var("TWITCH_CLIENT_ID")?;
    let secret = std::env::var("TWITCH_CLIENT_SECRET")?;
    let client: HelixClient<reqwest::Client> = HelixClient::default();
    let token =
        AppAccessToken::get_app_access_token(&client, id.into(), secret.into(), vec![]).await?;
    let user = client.get_user_from_login("twitchdev", &token).await?;
    println!("{user:?}");
    Ok(())
}
"#;

const FLOOR_BODY: &str = r#"
#[derive(Debug, serde::Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Debug, serde::Deserialize)]
struct Users {
    data: Vec<User>,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct User {
    id: String,
    login: String,
    display_name: String,
    #[serde(rename = "type")]
    kind: String,
    broadcaster_type: String,
    description: String,
    profile_image_url: String,
    offline_image_url: String,
    created_at: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::var("TWITCH_CLIENT_ID")?;
    let secret = std::env::var("TWITCH_CLIENT_SECRET")?;
    let http = client()?;
    let token: Token = http
        .post("https://id.twitch.tv/oauth2/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("client_id={id}&client_secret={secret}&grant_type=client_credentials"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let users: Users = http
        .get("https://api.twitch.tv/helix/users?login=twitchdev")
        .bearer_auth(&token.access_token)
        .header("client-id", &id)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("{:?}", users.data);
    Ok(())
}
"#;

const FLOOR_RING_CLIENT: &str = r#"//! The same call with plain reqwest + serde_json, rustls with ring (twitch-sdk's TLS).
fn client() -> reqwest::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build()
}
"#;

const FLOOR_DEFAULT_CLIENT: &str = r#"//! The same call with plain reqwest + serde_json and reqwest's default TLS (twitch_api's).
fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder().build()
}
"#;
