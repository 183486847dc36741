//! The `miniapp-simulator` binary as a backend in another language would use it: started
//! with `--port 0`, its address read from its first stdout line, then steered only over
//! HTTP through the admin API while the generated clients call it — the request log,
//! forced failures (and a typo refused with 400, not a panic), token expiry, WeChat Pay
//! and Alipay payments notified to a merchant server on 127.0.0.1, unknown orders, and a
//! graceful stop on SIGTERM. (Needs feature `full`, see `[[test]]` in Cargo.toml.)

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use miniapp::wechat::auth::{Code2SessionRequest, GetPaidUnionIdOrder, GetPaidUnionIdRequest};
use miniapp_simulator::alipay::{ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
use miniapp_simulator::{DEFAULT_ALIPAY_APP_ID, DEFAULT_APP_ID, DEFAULT_MERCHANT_ID};
use serde_json::{json, Value};
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_miniapp-simulator");
const LISTENING: &str = "miniapp simulator listening on ";
/// Every test finishes within this, whatever happens.
const LIMIT: Duration = Duration::from_secs(8);
/// The binary's default secret, which is also WeChat Pay's API key.
const SECRET: &str = "demo-secret";

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

/// The running binary; dropping it kills it, so a failing test leaks no process.
struct Server {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on any free port and waits for its listening line.
    fn start(args: &[&str]) -> Server {
        Server::start_with(&["--port", "0"], args, &[])
    }

    /// Starts the binary with these flags and environment variables.
    fn start_with(port: &[&str], args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BINARY)
            .args(port)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = Server {
            child,
            url: String::new(),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        };
        let (first, rest) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first.send(lines.next());
            // Drained so that the binary never blocks on a full pipe.
            lines.for_each(drop);
        });
        let line = rest
            .recv_timeout(Duration::from_secs(5))
            .expect("a first line within 5 s")
            .expect("stdout is open")
            .expect("stdout is text");
        let url = line
            .strip_prefix(LISTENING)
            .unwrap_or_else(|| panic!("the first line says where it listens: {line:?}"));
        assert!(
            url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
            "{url}"
        );
        server.url = url.to_owned();
        server
    }

    fn admin(&self, path: &str) -> String {
        format!("{}/_admin{path}", self.url)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(self.admin(path)).send().await.unwrap()).await
    }

    async fn post(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let request = self.http.post(self.admin(path));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        answer(request.send().await.unwrap()).await
    }

    /// How many logged requests reached `endpoint`, read from the admin API.
    async fn count(&self, endpoint: &str) -> u64 {
        let (status, log) = self.get(&format!("/requests?endpoint={endpoint}")).await;
        assert_eq!(status, 200, "{log}");
        log["count"].as_u64().expect("a count")
    }
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a JSON answer ({status}), not {text:?}: {e}"));
    (status, value)
}

/// The error of a refusal, checking that it is a JSON `{error}` with this status.
fn refusal((status, body): (u16, Value), expected: u16) -> String {
    assert_eq!(status, expected, "{body}");
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("a JSON error: {body}"))
        .to_owned()
}

/// A merchant's notify server on 127.0.0.1: every body it receives goes through
/// `verify` (the generated client's notification check) and is answered with its reply.
async fn notify_server(verify: fn(&[u8]) -> Result<(), String>, ok: String) -> NotifyServer {
    type Shared = (fn(&[u8]) -> Result<(), String>, String, Seen);
    async fn notified(State((verify, ok, seen)): State<Shared>, body: Bytes) -> String {
        let verdict = verify(&body);
        let reply = if verdict.is_ok() {
            ok.clone()
        } else {
            "fail".to_owned()
        };
        seen.lock().unwrap().push(verdict);
        reply
    }
    let seen = Seen::default();
    let app = axum::Router::new()
        .route("/notify", post(notified))
        .with_state((verify, ok, seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    NotifyServer { url, seen }
}

type Seen = Arc<Mutex<Vec<Result<(), String>>>>;

struct NotifyServer {
    url: String,
    seen: Seen,
}

fn wechat(server: &Server) -> miniapp::wechat::Client {
    miniapp::wechat::Client::builder(DEFAULT_APP_ID, SECRET)
        .base_url(server.url.clone())
        .timeout(Duration::from_secs(5))
        .build()
}

fn wechatpay(server: &Server) -> miniapp::wechatpay::Client {
    miniapp::wechatpay::Client::builder(DEFAULT_APP_ID, DEFAULT_MERCHANT_ID, SECRET)
        .base_url(format!("{}/wechatpay", server.url))
        .build()
}

fn alipay(server: &Server) -> miniapp::alipay::Client {
    miniapp::alipay::Client::builder(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
        .base_url(format!("{}/alipay", server.url))
        .try_build()
        .unwrap()
}

#[tokio::test]
async fn health_log_failures_and_tokens_over_http() {
    bounded(async {
        let server = Server::start(&[]);
        let (status, health) = server.get("/health").await;
        assert_eq!(status, 200, "{health}");
        assert_eq!(health["base_url"], server.url);
        assert_eq!(health["merchant_id"], DEFAULT_MERCHANT_ID);
        let platforms = health["platforms"].as_array().unwrap();
        let names: Vec<&str> = platforms
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["wechat", "baidu", "jucai", "wechatpay", "alipay"]);
        assert_eq!(platforms[0]["url"], format!("{}/wechat", server.url));
        assert_eq!(platforms[0]["app_id"], DEFAULT_APP_ID);
        assert_eq!(platforms[4]["app_id"], DEFAULT_ALIPAY_APP_ID);

        // A generated client's call is in the log, its secret masked.
        let wx = wechat(&server);
        wx.auth()
            .code2_session(Code2SessionRequest::new("code-1"))
            .await
            .unwrap();
        let (status, log) = server.get("/requests").await;
        assert_eq!(status, 200);
        assert_eq!(log["count"], 1);
        let call = &log["requests"][0];
        assert_eq!(call["platform"], "wechat");
        assert_eq!(call["endpoint"], "auth.code2Session");
        assert_eq!(call["method"], "GET");
        assert_eq!(call["path"], "/sns/jscode2session");
        assert_eq!(
            (call["status"].clone(), call["code"].clone()),
            (json!(200), json!(0))
        );
        assert!(call["query"]
            .as_array()
            .unwrap()
            .contains(&json!(["js_code", "code-1"])));
        assert!(call["query"]
            .as_array()
            .unwrap()
            .contains(&json!(["secret", "***"])));
        assert!(!log.to_string().contains(SECRET), "{log}");

        // A forced failure reaches the client as the platform's code, once.
        let (status, forced) = server
            .post(
                "/fail-next",
                Some(json!({"endpoint": "wechat:auth.code2Session", "code": 40029, "times": 1})),
            )
            .await;
        assert_eq!(status, 200, "{forced}");
        assert_eq!(forced["endpoints"], json!(["wechat:auth.code2Session"]));
        let err = wx
            .auth()
            .code2_session(Code2SessionRequest::new("code-2"))
            .await
            .unwrap_err();
        assert_eq!(
            err.api().map(|e| e.code()),
            Some(miniapp::runtime::Code::Int(40029)),
            "{err}"
        );
        wx.auth()
            .code2_session(Code2SessionRequest::new("code-3"))
            .await
            .expect("only one call fails");

        // Bad steering is a 400 that says why, and the server goes on.
        let typo = json!({"endpoint": "wechat:auth.code2Sesion", "code": 40029});
        let why = refusal(server.post("/fail-next", Some(typo)).await, 400);
        assert!(
            why.contains("no endpoint named `wechat:auth.code2Sesion`"),
            "{why}"
        );
        let why = refusal(
            server.post("/fail-next", Some(json!({"code": 1}))).await,
            400,
        );
        assert!(why.contains("endpoint"), "{why}");
        let why = refusal(server.post("/fail-next", None).await, 400);
        assert!(why.contains("JSON body"), "{why}");
        refusal(server.get("/no-such-route").await, 404);
        refusal(server.get("/fail-next").await, 405);

        // An expired token makes the next call fetch another: two token requests.
        let paid = || {
            GetPaidUnionIdRequest::new(
                "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                GetPaidUnionIdOrder::transaction_id("4200000001"),
            )
        };
        wx.auth().get_paid_union_id(paid()).await.unwrap();
        wx.auth().get_paid_union_id(paid()).await.unwrap();
        assert_eq!(server.count("wechat:auth.getAccessToken").await, 1);
        let (status, _) = server.post("/expire-tokens", None).await;
        assert_eq!(status, 200);
        wx.auth().get_paid_union_id(paid()).await.unwrap();
        assert_eq!(server.count("wechat:auth.getAccessToken").await, 2);
        assert_eq!(server.count("wechat:auth.getPaidUnionId").await, 4);

        // Reset empties the log.
        let reset = server.http.delete(server.admin("/requests")).send().await;
        assert_eq!(answer(reset.unwrap()).await.0, 200);
        assert_eq!(server.get("/requests").await.1["count"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_wechatpay_order_is_paid_over_http() {
    use miniapp::wechatpay::pay::{TradeType, UnifiedOrderRequest};
    bounded(async {
        let server = Server::start(&["--only", "wechatpay"]);
        let verify = |body: &[u8]| {
            miniapp::wechatpay::Client::builder(DEFAULT_APP_ID, DEFAULT_MERCHANT_ID, SECRET)
                .build()
                .verify_payment_notification(body)
                .map(drop)
                .map_err(|e| e.to_string())
        };
        let shop = notify_server(verify, miniapp::wechatpay::reply_success()).await;
        let order = UnifiedOrderRequest::new(
            "会员充值",
            "WX-1",
            888,
            "127.0.0.1",
            &shop.url,
            TradeType::Jsapi,
        )
        .openid("o-user");
        wechatpay(&server).pay().unified_order(order).await.unwrap();

        let (status, notified) = server.post("/wechatpay/orders/WX-1/pay", None).await;
        assert_eq!(status, 200, "{notified}");
        assert_eq!(notified["url"], shop.url);
        assert_eq!(notified["status"], 200);
        assert_eq!(notified["acknowledged"], true, "{notified}");
        assert_eq!(
            *shop.seen.lock().unwrap(),
            [Ok(())],
            "verified by the merchant"
        );

        let (_, orders) = server.get("/wechatpay/orders").await;
        let paid = &orders["orders"][0];
        assert_eq!(paid["out_trade_no"], "WX-1");
        assert_eq!(paid["trade_state"], "SUCCESS");
        assert_eq!(paid["total_fee"], 888, "amounts stay integer fen");
        assert!(paid["transaction_id"].is_string());

        let why = refusal(server.post("/wechatpay/orders/WX-1/pay", None).await, 409);
        assert!(why.contains("only a NOTPAY order"), "{why}");
        let why = refusal(server.post("/wechatpay/orders/WX-404/pay", None).await, 404);
        assert!(why.contains("WX-404"), "{why}");
        let bad = json!({"outcome": "DONE"});
        let why = refusal(
            server
                .post("/wechatpay/refunds/R-1/settle", Some(bad))
                .await,
            400,
        );
        assert!(why.contains("SUCCESS, CHANGE, REFUNDCLOSE"), "{why}");
        // Routes exist only for the platforms served.
        refusal(server.get("/alipay/trades").await, 404);
    })
    .await;
}

#[tokio::test]
async fn an_alipay_trade_is_paid_over_http() {
    use miniapp::alipay::trade::CreateRequest;
    bounded(async {
        let server = Server::start(&["--only", "alipay"]);
        let verify = |body: &[u8]| {
            miniapp::alipay::Client::builder(
                DEFAULT_ALIPAY_APP_ID,
                APP_PRIVATE_KEY,
                ALIPAY_PUBLIC_KEY,
            )
            .try_build()
            .map_err(|e| e.to_string())?
            .verify_notification(body)
            .map(drop)
            .map_err(|e| e.to_string())
        };
        let shop = notify_server(verify, miniapp::alipay::reply_success().to_owned()).await;
        let trade = CreateRequest::new("ALI_1", 88_88, "会员充值").notify_url(&shop.url);
        alipay(&server).trade().create(trade).await.unwrap();

        let (status, notified) = server.post("/alipay/trades/ALI_1/pay", None).await;
        assert_eq!(status, 200, "{notified}");
        assert_eq!(notified["url"], shop.url);
        assert_eq!(notified["acknowledged"], true, "{notified}");
        assert_eq!(
            *shop.seen.lock().unwrap(),
            [Ok(())],
            "verified by the merchant"
        );

        let (_, trades) = server.get("/alipay/trades").await;
        assert_eq!(trades["trades"][0]["trade_status"], "TRADE_SUCCESS");
        assert_eq!(trades["trades"][0]["total_amount"], 8888);
        let (status, finished) = server.post("/alipay/trades/ALI_1/finish", None).await;
        assert_eq!(status, 200, "{finished}");
        assert_eq!(finished["trade_status"], "TRADE_FINISHED");

        let why = refusal(server.post("/alipay/trades/ALI_404/pay", None).await, 404);
        assert!(why.contains("ALI_404"), "{why}");
        let path = "/alipay/trades/ALI_1/refunds/R_404/notify";
        refusal(server.post(path, None).await, 404);
        refusal(server.get("/wechatpay/orders").await, 404);
    })
    .await;
}

#[test]
fn bad_flags_exit_with_2() {
    for (args, why) in [
        (&["--port", "eighty"][..], "'eighty' for '--port <PORT>'"),
        (&["--only", "wechat,nope"][..], "no platform named `nope`"),
        (&["--frobnicate"][..], "unexpected argument '--frobnicate'"),
        (&["--log-limit", "0"][..], "--log-limit"),
    ] {
        let out = Command::new(BINARY).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing listens: {args:?}");
    }
}

#[test]
fn help_and_version_exit_0_and_name_the_environment_variables() {
    let out = Command::new(BINARY).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "--port",
        "MINIAPP_SIMULATOR_PORT",
        "--only",
        "MINIAPP_SIMULATOR_SECRET",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
    let out = Command::new(BINARY).arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
}

#[tokio::test]
async fn settings_come_from_the_environment_too() {
    bounded(async {
        let server = Server::start_with(
            &[],
            &[],
            &[
                ("MINIAPP_SIMULATOR_PORT", "0"),
                ("MINIAPP_SIMULATOR_ONLY", "baidu,jucai"),
                ("MINIAPP_SIMULATOR_MERCHANT_ID", "1234567890"),
            ],
        );
        let (status, health) = server.get("/health").await;
        assert_eq!(status, 200, "{health}");
        let names: Vec<&str> = health["platforms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["baidu", "jucai"]);
        assert_eq!(health["merchant_id"], "1234567890");
    })
    .await;
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_gracefully() {
    let mut server = Server::start(&["--only", "wechat"]);
    let pid = server.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    for _ in 0..50 {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exits 0 on SIGTERM: {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("still running 5 s after SIGTERM");
}
