//! `miniapp-simulator`: the platforms' simulator as a standalone server, for backends in
//! any language. It serves every compiled-in platform on one port, and the admin API
//! (`/_admin/…`, see `miniapp_simulator::admin`) to steer it, until SIGINT or SIGTERM.
//!
//! ```text
//! cargo run -p miniapp-simulator -- --port 8900
//! ```
//!
//! The first line on stdout is `miniapp simulator listening on http://HOST:PORT` (with
//! the real port when `--port 0` asked for any), for scripts to read; a table of the
//! platforms' URLs and credentials follows. Bad flags exit with status 2.

use clap::Parser;
use miniapp_simulator::{admin, Simulator, DEFAULT_SECRET};
use std::io::{ErrorKind, Write};
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

/// A local simulator of the mini-program platforms' servers (WeChat, Baidu, Jucai, WeChat
/// Pay, Alipay), answering from the miniapp SDK's schema.
///
/// Every option can also be set in the environment (`MINIAPP_SIMULATOR_PORT=0`, …); a
/// flag wins over its variable. The admin API is under /_admin/ (GET /_admin/health to
/// start); its routes are listed in the docs of miniapp_simulator::admin and in the
/// README.
#[derive(Debug, Parser, PartialEq)]
#[command(name = "miniapp-simulator", version)]
struct Options {
    /// Port to listen on (0: any free port).
    #[arg(long, env = "MINIAPP_SIMULATOR_PORT", default_value_t = 8900)]
    port: u16,
    /// Address to listen on; beyond loopback, anyone who reaches it can steer the
    /// simulator.
    #[arg(long, env = "MINIAPP_SIMULATOR_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// App id every platform but Alipay accepts [default: wx-demo-appid].
    #[arg(long, env = "MINIAPP_SIMULATOR_APP_ID", value_parser = non_empty)]
    app_id: Option<String>,
    /// Secret every platform but Alipay accepts, also the sign key of the platforms
    /// that sign (WeChat Pay's API key, Jucai's key) [default: demo-secret].
    #[arg(long, env = "MINIAPP_SIMULATOR_SECRET", hide_env_values = true, value_parser = non_empty)]
    secret: Option<String>,
    /// WeChat Pay mch_id accepted [default: 1900000109].
    #[arg(long, env = "MINIAPP_SIMULATOR_MERCHANT_ID", value_parser = non_empty)]
    merchant_id: Option<String>,
    /// Serve only these platforms (wechat, baidu, jucai, wechatpay, alipay: those
    /// compiled in), comma-separated.
    #[arg(long, env = "MINIAPP_SIMULATOR_ONLY", value_delimiter = ',', value_parser = non_empty)]
    only: Option<Vec<String>>,
    /// Requests the log keeps, the latest.
    #[arg(long, env = "MINIAPP_SIMULATOR_LOG_LIMIT", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    log_limit: u64,
    /// Bytes the log holds at most (bodies kept, paths, queries); the oldest requests
    /// go first. A number of bytes, or with K, M or G (KiB, MiB, GiB).
    #[arg(long, env = "MINIAPP_SIMULATOR_LOG_BYTES", default_value = "16M", value_parser = bytes)]
    log_bytes: usize,
    /// Bytes of each request's body the log keeps (the real length is logged too).
    #[arg(long, env = "MINIAPP_SIMULATOR_LOG_BODY_BYTES", default_value = "64K", value_parser = bytes)]
    log_body_bytes: usize,
    /// WeChat Pay orders and Alipay trades each merchant keeps (the oldest go first,
    /// with their refunds).
    #[arg(long, env = "MINIAPP_SIMULATOR_MAX_ORDERS", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_orders: u64,
    /// Connections served at once; more wait to be accepted [default: 512, or fewer
    /// under a low open-file limit].
    #[arg(long, env = "MINIAPP_SIMULATOR_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: Option<u64>,
    /// Time a request's head may take from its first byte (seconds, or with ms or s).
    #[arg(long, env = "MINIAPP_SIMULATOR_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    header_timeout: Duration,
    /// Time a connection may stay silent before a request or not read its answer.
    #[arg(long, env = "MINIAPP_SIMULATOR_IDLE_TIMEOUT", default_value = "60s", value_parser = duration)]
    idle_timeout: Duration,
    /// Time a request's body may take to arrive (a slower one is answered 408).
    #[arg(long, env = "MINIAPP_SIMULATOR_BODY_TIMEOUT", default_value = "30s", value_parser = duration)]
    body_timeout: Duration,
    /// WeChat Pay API v3's keys: public-key (answers and notifications signed with the
    /// WeChat Pay public key), certificate (platform certificates, served at
    /// /v3/certificates) or mixed (both, as during a migration).
    #[cfg(feature = "wechatpay_v3")]
    #[arg(long, env = "MINIAPP_SIMULATOR_WECHATPAY_V3_KEYS", default_value = "public-key", value_parser = key_mode)]
    wechatpay_v3_keys: miniapp_simulator::wechatpay_v3::WechatPayV3KeyMode,
    /// WeChat Pay API v3's APIv3 key, which notifications and platform certificates are
    /// sealed with (32 characters) [default: the published test key].
    #[cfg(feature = "wechatpay_v3")]
    #[arg(long, env = "MINIAPP_SIMULATOR_WECHATPAY_V3_API_V3_KEY", hide_env_values = true, value_parser = non_empty)]
    wechatpay_v3_api_v3_key: Option<String>,
    /// The serial of the merchant API certificate that WeChat Pay API v3 requests are
    /// signed with (hex), given with its public key [default: the published test
    /// merchant's].
    #[cfg(feature = "wechatpay_v3")]
    #[arg(long, env = "MINIAPP_SIMULATOR_WECHATPAY_V3_MERCHANT_SERIAL", value_parser = non_empty, requires = "wechatpay_v3_merchant_public_key")]
    wechatpay_v3_merchant_serial: Option<String>,
    /// A PEM file of the merchant API public key that WeChat Pay API v3 requests are
    /// checked with, given with its serial.
    #[cfg(feature = "wechatpay_v3")]
    #[arg(long, env = "MINIAPP_SIMULATOR_WECHATPAY_V3_MERCHANT_PUBLIC_KEY", value_parser = pem_file, requires = "wechatpay_v3_merchant_serial")]
    wechatpay_v3_merchant_public_key: Option<String>,
    /// When WeChat Pay API v3 resends a notification the merchant did not acknowledge:
    /// delays, each after the attempt before, comma-separated (`15s,15s,30s`), or
    /// `none` [default: WeChat Pay's published schedule, 15 s to 6 h].
    #[cfg(feature = "wechatpay_v3")]
    #[arg(long, env = "MINIAPP_SIMULATOR_WECHATPAY_V3_REDELIVERY", value_parser = schedule)]
    wechatpay_v3_redelivery: Option<Schedule>,
}

/// Resend delays (`--wechatpay-v3-redelivery`).
#[cfg(feature = "wechatpay_v3")]
#[derive(Debug, Clone, PartialEq)]
struct Schedule(Vec<Duration>);

/// `none`, or durations separated by commas.
#[cfg(feature = "wechatpay_v3")]
fn schedule(value: &str) -> Result<Schedule, String> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(Schedule(Vec::new()));
    }
    let delays = value
        .split(',')
        .map(|d| duration(d).map_err(|e| format!("{d:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Schedule(delays))
}

/// The text of a PEM file, read when the flags are parsed so that a wrong path is a
/// usage error.
#[cfg(feature = "wechatpay_v3")]
fn pem_file(path: &str) -> Result<String, String> {
    const MOST: u64 = 64 * 1024;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {path:?}: {e}"))?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MOST + 1), &mut text)
        .map_err(|e| format!("cannot read {path:?}: {e}"))?;
    if text.len() as u64 > MOST {
        return Err(format!("{path:?} is larger than a key file ({MOST} bytes)"));
    }
    if !text.contains("-----BEGIN ") {
        return Err(format!("{path:?} is not a PEM file"));
    }
    Ok(text)
}

#[cfg(feature = "wechatpay_v3")]
fn key_mode(value: &str) -> Result<miniapp_simulator::wechatpay_v3::WechatPayV3KeyMode, String> {
    value.parse()
}

/// A size: bytes, or KiB, MiB, GiB with `K`, `M`, `G` (an optional `iB` or `B` after).
fn bytes(value: &str) -> Result<usize, String> {
    let value = value.trim();
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &value[digits.len()..];
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("unknown unit {unit:?} (K, M or G)")),
    };
    let n: usize = digits
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a size"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{value:?} is too large"))
}

/// A duration: seconds, or with `ms` or `s`; more than zero.
fn duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (digits, millis) = match value.strip_suffix("ms") {
        Some(digits) => (digits, true),
        None => (value.strip_suffix('s').unwrap_or(value), false),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a duration (10, 10s or 500ms)"))?;
    if n == 0 {
        return Err("must be more than zero".into());
    }
    Ok(if millis {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n)
    })
}

/// A value that is not empty once trimmed (an empty platform name, app id or secret is
/// a mistake, not a setting).
fn non_empty(value: &str) -> Result<String, String> {
    match value.trim() {
        "" => Err("must not be empty".into()),
        trimmed => Ok(trimmed.to_owned()),
    }
}

fn main() -> ExitCode {
    // Usage errors exit with 2, `--help` and `--version` with 0 (clap's convention).
    let options = Options::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("miniapp-simulator: no async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let host = options.host;
    let addr = SocketAddr::new(host, options.port);
    let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let mut builder = Simulator::builder()
        .bind(addr)
        .log_limit(count(options.log_limit))
        .log_bytes(options.log_bytes)
        .log_body_bytes(options.log_body_bytes)
        .max_orders(count(options.max_orders))
        .header_timeout(options.header_timeout)
        .idle_timeout(options.idle_timeout)
        .body_timeout(options.body_timeout);
    #[cfg(feature = "wechatpay_v3")]
    {
        builder = builder.wechatpay_v3_keys(options.wechatpay_v3_keys);
        if let Some(key) = &options.wechatpay_v3_api_v3_key {
            builder = builder.wechatpay_v3_api_v3_key(key);
        }
        if let (Some(serial), Some(public_key)) = (
            &options.wechatpay_v3_merchant_serial,
            &options.wechatpay_v3_merchant_public_key,
        ) {
            builder = builder.wechatpay_v3_merchant_key(serial, public_key);
        }
        if let Some(Schedule(delays)) = &options.wechatpay_v3_redelivery {
            builder = builder.wechatpay_v3_redelivery(delays.clone());
        }
    }
    if let Some(max) = options.max_connections {
        builder = builder.max_connections(count(max));
    }
    if let Some(app_id) = &options.app_id {
        builder = builder.app_id(app_id);
    }
    if let Some(secret) = &options.secret {
        builder = builder.secret(secret);
    }
    if let Some(merchant_id) = &options.merchant_id {
        builder = builder.merchant_id(merchant_id);
    }
    if let Some(only) = &options.only {
        let names: Vec<&str> = only.iter().map(String::as_str).collect();
        builder = builder.only(&names);
    }
    let signals = StopSignals::watch();
    let sim = match builder.start().await {
        Ok(sim) => sim,
        // An unknown `--only` platform: the flags are wrong, not the machine.
        Err(e) if e.kind() == ErrorKind::InvalidInput => {
            eprintln!("miniapp-simulator: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("miniapp-simulator: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    // Scripts wait for this line; it goes out before anything else, flushed.
    let _ = writeln!(out, "miniapp simulator listening on {}", sim.base_url());
    let _ = out.flush();
    let _ = out.write_all(summary(&sim, options.secret.is_some()).as_bytes());
    let _ = out.flush();
    drop(out);
    if !host.is_loopback() {
        // The simulator checks only test credentials and its admin API has no
        // authentication: anyone who can reach the port can steer it.
        eprintln!(
            "miniapp-simulator: warning: listening on {host}, not loopback; anyone who can reach this port can use the admin API"
        );
    }

    signals.stopped().await;
    eprintln!("miniapp-simulator: stopping");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// The platforms' URLs and the credentials they accept. A secret given on the command
/// line is not echoed (terminals are logged and shared); the default one is public.
fn summary(sim: &Simulator, custom_secret: bool) -> String {
    let mut text =
        String::from("\n  platform    base URL                                  app id\n");
    for name in sim.platforms() {
        let app_id = sim.app_id(name).unwrap_or_default();
        text += &format!("  {name:<11} {:<41} {app_id}\n", sim.url(name));
    }
    text += &format!(
        "  {:<11} {}{}/health\n",
        "admin API",
        sim.base_url(),
        admin::PREFIX
    );
    let served = |name: &str| sim.platforms().contains(&name);
    text += "\nCredentials it accepts:\n";
    let secret = if custom_secret {
        "the one given with --secret"
    } else {
        DEFAULT_SECRET
    };
    text += &format!("  secret (every platform but Alipay; also the sign key): {secret}\n");
    if served("wechatpay") {
        text += &format!("  WeChat Pay mch_id: {}\n", sim.merchant_id());
    }
    if served("alipay") {
        let lines = [
            "  Alipay: sign requests with the test app private key, verify answers and",
            "    notifications with the simulator's Alipay public key (test keys, public:",
            "    never use them in production). In Rust: miniapp_simulator::alipay::",
            "    APP_PRIVATE_KEY and ALIPAY_PUBLIC_KEY; as PEM files: app_private_key.pem and",
            "    alipay_public_key.pem in simulator/src/alipay/keys/ of the miniapp sources",
        ];
        for line in lines {
            text += line;
            text += "\n";
        }
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/src/alipay/keys");
        if std::path::Path::new(keys).is_dir() {
            text += &format!("    (here: {keys}/)\n");
        }
    }
    #[cfg(feature = "wechatpay_v3")]
    if let Some(keys) = sim.wechatpay_v3_keys() {
        text += &format!(
            "  WeChat Pay API v3: mchid {}, merchant serial {}, key mode {}; its published\n    test keys (never use them in production) at {}{}/wechatpay_v3/keys\n",
            keys.merchant_id,
            keys.merchant_serial,
            keys.key_mode,
            sim.base_url(),
            admin::PREFIX
        );
    }
    text += "\nStop it with Ctrl-C (SIGINT) or SIGTERM.\n";
    text
}

/// SIGINT (Ctrl-C) and, on Unix, SIGTERM, watched from the moment this is made: the
/// handlers must be in place before the listening line goes out, or a script that
/// signals as soon as it reads the line kills the process instead of stopping it.
struct StopSignals {
    #[cfg(unix)]
    watched: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn watch() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let watched = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(interrupt), Ok(terminate)) => Some((interrupt, terminate)),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("miniapp-simulator: cannot watch for SIGINT/SIGTERM: {e}");
                    None
                }
            };
            StopSignals { watched }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    /// Returns on the first signal. When no handler could be installed the server runs
    /// until killed: stopping at once would be worse.
    async fn stopped(self) {
        #[cfg(unix)]
        match self.watched {
            Some((mut interrupt, mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            None => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("miniapp-simulator: cannot watch for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn args(list: &[&str]) -> Result<Options, String> {
        Options::try_parse_from(std::iter::once("miniapp-simulator").chain(list.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Options::command().debug_assert();
    }

    #[test]
    fn flags_are_read_in_both_spellings() {
        let options = args(&[
            "--port",
            "0",
            "--host=0.0.0.0",
            "--app-id",
            "wx-1",
            "--secret=s",
            "--merchant-id",
            "19",
            "--only",
            "wechat, alipay",
        ])
        .unwrap();
        assert_eq!(options.port, 0);
        assert_eq!(options.host, IpAddr::from([0, 0, 0, 0]));
        assert_eq!(options.app_id.as_deref(), Some("wx-1"));
        assert_eq!(options.secret.as_deref(), Some("s"));
        assert_eq!(options.merchant_id.as_deref(), Some("19"));
        assert_eq!(options.only, Some(vec!["wechat".into(), "alipay".into()]));
        let defaults = args(&[]).unwrap();
        assert_eq!((defaults.port, defaults.log_limit), (8900, 10_000));
        assert_eq!(defaults.host, IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn bad_flags_say_why() {
        let refused = |list: &[&str], why: &str| {
            let err = args(list).unwrap_err();
            assert!(err.contains(why), "{list:?}: {err}");
        };
        refused(&["--port", "70000"], "--port");
        refused(&["--port", "-1"], "-1");
        refused(&["--port"], "--port");
        refused(&["--host", "localhost:1"], "--host");
        refused(&["--only", "wechat,"], "must not be empty");
        refused(&["--verbose"], "--verbose");
        refused(&["8900"], "8900");
        refused(&["--port", "1", "--port", "2"], "--port");
        refused(&["--log-limit", "0"], "--log-limit");
        assert_eq!(args(&["--log-limit=5"]).unwrap().log_limit, 5);
        refused(&["--log-bytes", "12X"], "unknown unit");
        refused(&["--log-bytes=-1"], "not a size");
        refused(&["--log-bytes", "99999999999999999999G"], "--log-bytes");
        refused(&["--header-timeout", "0"], "more than zero");
        refused(&["--idle-timeout", "soon"], "not a duration");
        refused(&["--max-connections", "0"], "--max-connections");
        refused(&["--max-orders", "0"], "--max-orders");
        #[cfg(feature = "wechatpay_v3")]
        refused(
            &["--wechatpay-v3-keys", "certificates"],
            "none of public-key",
        );
    }

    #[cfg(feature = "wechatpay_v3")]
    #[test]
    fn the_wechatpay_v3_key_mode_is_read() {
        use miniapp_simulator::wechatpay_v3::WechatPayV3KeyMode;
        let mode = |list: &[&str]| args(list).unwrap().wechatpay_v3_keys;
        assert_eq!(mode(&[]), WechatPayV3KeyMode::PublicKey);
        assert_eq!(
            mode(&["--wechatpay-v3-keys", "mixed"]),
            WechatPayV3KeyMode::Mixed
        );
        assert_eq!(
            mode(&["--wechatpay-v3-keys=certificate"]),
            WechatPayV3KeyMode::Certificate
        );
    }

    #[cfg(feature = "wechatpay_v3")]
    #[test]
    fn the_wechatpay_v3_keys_and_resends_are_read() {
        let pem =
            std::env::temp_dir().join(format!("miniapp-sim-flags-{}.pem", std::process::id()));
        std::fs::write(
            &pem,
            "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        let path = pem.to_str().unwrap();
        let options = args(&[
            "--wechatpay-v3-api-v3-key",
            "0123456789abcdef0123456789abcdef",
            "--wechatpay-v3-merchant-serial",
            "ABC123",
            "--wechatpay-v3-merchant-public-key",
            path,
            "--wechatpay-v3-redelivery",
            "100ms,2s,3",
        ])
        .unwrap();
        assert_eq!(
            options.wechatpay_v3_api_v3_key.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            options.wechatpay_v3_merchant_serial.as_deref(),
            Some("ABC123")
        );
        assert!(options
            .wechatpay_v3_merchant_public_key
            .is_some_and(|k| k.starts_with("-----BEGIN PUBLIC KEY-----")));
        let delays = [100, 2_000, 3_000].map(Duration::from_millis).to_vec();
        assert_eq!(options.wechatpay_v3_redelivery, Some(Schedule(delays)));
        let never = args(&["--wechatpay-v3-redelivery=none"]).unwrap();
        assert_eq!(never.wechatpay_v3_redelivery, Some(Schedule(Vec::new())));
        assert_eq!(args(&[]).unwrap().wechatpay_v3_redelivery, None);

        let refused = |list: &[&str], why: &str| {
            let err = args(list).unwrap_err();
            assert!(err.contains(why), "{list:?}: {err}");
        };
        // A serial without its key, and the other way round.
        refused(
            &["--wechatpay-v3-merchant-serial", "ABC"],
            "--wechatpay-v3-merchant-public-key",
        );
        refused(
            &["--wechatpay-v3-merchant-public-key", path],
            "--wechatpay-v3-merchant-serial",
        );
        refused(
            &[
                "--wechatpay-v3-merchant-serial",
                "A",
                "--wechatpay-v3-merchant-public-key",
                "/no/such.pem",
            ],
            "cannot read",
        );
        refused(
            &[
                "--wechatpay-v3-merchant-serial",
                "A",
                "--wechatpay-v3-merchant-public-key",
                "Cargo.toml",
            ],
            "not a PEM file",
        );
        refused(&["--wechatpay-v3-redelivery", "1s,,2s"], "not a duration");
        refused(&["--wechatpay-v3-redelivery", "0"], "more than zero");
        refused(&["--wechatpay-v3-api-v3-key", " "], "must not be empty");
        let _ = std::fs::remove_file(pem);
    }

    #[test]
    fn sizes_and_durations_read_their_units() {
        let options = args(&[
            "--log-bytes",
            "2M",
            "--log-body-bytes=512",
            "--header-timeout",
            "500ms",
            "--idle-timeout",
            "5s",
            "--body-timeout",
            "7",
            "--max-connections",
            "3",
        ])
        .unwrap();
        assert_eq!(options.log_bytes, 2 << 20);
        assert_eq!(options.log_body_bytes, 512);
        assert_eq!(options.header_timeout, Duration::from_millis(500));
        assert_eq!(options.idle_timeout, Duration::from_secs(5));
        assert_eq!(options.body_timeout, Duration::from_secs(7));
        assert_eq!(options.max_connections, Some(3));
        let defaults = args(&[]).unwrap();
        assert_eq!(
            (defaults.log_bytes, defaults.log_body_bytes),
            (16 << 20, 64 << 10)
        );
        assert_eq!(defaults.header_timeout, Duration::from_secs(10));
        assert_eq!(defaults.idle_timeout, Duration::from_secs(60));
        assert_eq!(defaults.max_orders, 100_000);
        assert_eq!(bytes("1KiB"), Ok(1024));
        assert_eq!(bytes("3g"), Ok(3 << 30));
    }
}
