//! `miniapp-simulator`: the platforms' simulator as a standalone server, for backends in
//! any language. It serves every compiled-in platform on one port, and the admin API
//! (`/_admin/…`, see `miniapp::simulator::admin`) to steer it, until SIGINT or SIGTERM.
//!
//! ```text
//! cargo run --features full --bin miniapp-simulator -- --port 8900
//! ```
//!
//! The first line on stdout is `miniapp simulator listening on http://HOST:PORT` (with
//! the real port when `--port 0` asked for any), for scripts to read; a table of the
//! platforms' URLs and credentials follows. Bad flags exit with status 2.

use miniapp::simulator::{admin, Simulator, DEFAULT_SECRET};
use std::ffi::OsString;
use std::io::{ErrorKind, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

const DEFAULT_PORT: u16 = 8900;
/// Requests the log keeps by default: a server that runs for days must not grow
/// without bound, and tests read the latest requests.
const DEFAULT_LOG_LIMIT: usize = 10_000;

const USAGE: &str = "\
miniapp-simulator: a local simulator of the mini-program platforms' servers

Usage: miniapp-simulator [OPTIONS]

Options:
  --port N              port to listen on (default 8900; 0: any free port)
  --host IP             address to listen on (default 127.0.0.1)
  --app-id ID           app id every platform but Alipay accepts (default wx-demo-appid)
  --secret SECRET       secret every platform but Alipay accepts, also the sign key of
                        the platforms that sign (WeChat Pay's API key, Jucai's key)
                        (default demo-secret)
  --merchant-id ID      WeChat Pay mch_id accepted (default 1900000109)
  --only NAME[,NAME]    serve only these platforms (wechat, baidu, jucai, wechatpay,
                        alipay: those compiled in)
  --log-limit N         requests the log keeps, the latest (default 10000)
  -h, --help            print this and exit

The admin API is under /_admin/ (GET /_admin/health to start); its routes are listed
in the docs of miniapp::simulator::admin and in the README.
";

/// The flags that take a value.
const FLAGS: [&str; 7] = [
    "--port",
    "--host",
    "--app-id",
    "--secret",
    "--merchant-id",
    "--only",
    "--log-limit",
];

/// What the flags asked for.
#[derive(Debug, Default, PartialEq)]
struct Options {
    host: Option<IpAddr>,
    port: Option<u16>,
    app_id: Option<String>,
    secret: Option<String>,
    merchant_id: Option<String>,
    only: Option<Vec<String>>,
    log_limit: Option<usize>,
    help: bool,
}

/// Reads the flags (`--flag value` or `--flag=value`); `Err` says what is wrong.
fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument {a:?} is not UTF-8"))?;
        if arg == "-h" || arg == "--help" {
            options.help = true;
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value)),
            _ => (arg.clone(), None),
        };
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument `{arg}`"));
        }
        if !FLAGS.contains(&flag.as_str()) {
            return Err(format!("unknown option `{flag}`"));
        }
        let value = match inline {
            Some(value) => value.to_owned(),
            None => match args.next() {
                Some(value) => value
                    .into_string()
                    .map_err(|v| format!("the value of {flag}, {v:?}, is not UTF-8"))?,
                None => return Err(format!("{flag} needs a value")),
            },
        };
        if value.is_empty() {
            return Err(format!("{flag} needs a value"));
        }
        match flag.as_str() {
            "--port" => {
                let port = value.parse().map_err(|_| {
                    format!("--port {value}: not a port number (0 to 65535; 0: any free port)")
                })?;
                set(&mut options.port, port, &flag)?;
            }
            "--host" => {
                let host = value
                    .parse()
                    .map_err(|_| format!("--host {value}: not an IP address (e.g. 127.0.0.1)"))?;
                set(&mut options.host, host, &flag)?;
            }
            "--app-id" => set(&mut options.app_id, value, &flag)?,
            "--secret" => set(&mut options.secret, value, &flag)?,
            "--merchant-id" => set(&mut options.merchant_id, value, &flag)?,
            "--only" => {
                let names: Vec<String> = value.split(',').map(|n| n.trim().to_owned()).collect();
                if names.iter().any(String::is_empty) {
                    return Err(format!("--only {value}: an empty platform name"));
                }
                set(&mut options.only, names, &flag)?;
            }
            "--log-limit" => {
                let limit = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--log-limit {value}: not a positive number"))?;
                set(&mut options.log_limit, limit, &flag)?;
            }
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    Ok(options)
}

/// A flag's value; twice is refused (which one was meant?).
fn set<T>(slot: &mut Option<T>, value: T, flag: &str) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(format!("{flag} given twice"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(why) => {
            eprintln!("miniapp-simulator: {why}\nTry `miniapp-simulator --help`.");
            return ExitCode::from(2);
        }
    };
    if options.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
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
    let host = options.host.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let addr = SocketAddr::new(host, options.port.unwrap_or(DEFAULT_PORT));
    let mut builder = Simulator::builder()
        .bind(addr)
        .log_limit(options.log_limit.unwrap_or(DEFAULT_LOG_LIMIT));
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
            "    never use them in production). In Rust: miniapp::simulator::alipay::",
            "    APP_PRIVATE_KEY and ALIPAY_PUBLIC_KEY; as PEM files: app_private_key.pem and",
            "    alipay_public_key.pem in src/simulator/alipay/keys/ of the miniapp sources",
        ];
        for line in lines {
            text += line;
            text += "\n";
        }
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/src/simulator/alipay/keys");
        if std::path::Path::new(keys).is_dir() {
            text += &format!("    (here: {keys}/)\n");
        }
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

    fn args(list: &[&str]) -> Result<Options, String> {
        parse(list.iter().map(OsString::from))
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
        assert_eq!(options.port, Some(0));
        assert_eq!(options.host, Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        assert_eq!(options.app_id.as_deref(), Some("wx-1"));
        assert_eq!(options.secret.as_deref(), Some("s"));
        assert_eq!(options.merchant_id.as_deref(), Some("19"));
        assert_eq!(options.only, Some(vec!["wechat".into(), "alipay".into()]));
        assert_eq!(args(&[]).unwrap(), Options::default());
        assert!(args(&["-h"]).unwrap().help);
    }

    #[test]
    fn bad_flags_say_why() {
        let refused = |list: &[&str], why: &str| {
            let err = args(list).unwrap_err();
            assert!(err.contains(why), "{list:?}: {err}");
        };
        refused(&["--port", "70000"], "not a port number");
        refused(&["--port", "-1"], "not a port number");
        refused(&["--port"], "--port needs a value");
        refused(&["--port="], "--port needs a value");
        refused(&["--host", "localhost:1"], "not an IP address");
        refused(&["--only", "wechat,"], "empty platform name");
        refused(&["--verbose"], "unknown option `--verbose`");
        refused(&["--verbose=1"], "unknown option `--verbose`");
        refused(&["8900"], "unexpected argument `8900`");
        refused(&["--port", "1", "--port", "2"], "--port given twice");
        refused(&["--log-limit", "0"], "not a positive number");
        assert_eq!(args(&["--log-limit=5"]).unwrap().log_limit, Some(5));
    }
}
