//! The `miniapp-simulator` binary as a backend in another language would use it: started
//! with `--port 0`, its address read from its first stdout line, then steered only over
//! HTTP through the admin API while the generated clients call it — the request log,
//! forced failures (and a typo refused with 400, not a panic), token expiry, WeChat Pay
//! and Alipay payments notified to a merchant server on 127.0.0.1, unknown orders, and a
//! graceful stop on SIGTERM. It serves every platform: the default features.
#![cfg(all(
    feature = "wechat",
    feature = "baidu",
    feature = "jucai",
    feature = "wechatpay",
    feature = "wechatpay_v3",
    feature = "alipay"
))]

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
        assert_eq!(
            names,
            [
                "wechat",
                "baidu",
                "jucai",
                "wechatpay",
                "wechatpay_v3",
                "alipay"
            ]
        );
        assert_eq!(platforms[0]["url"], format!("{}/wechat", server.url));
        assert_eq!(platforms[0]["app_id"], DEFAULT_APP_ID);
        assert_eq!(platforms[4]["app_id"], DEFAULT_APP_ID);
        assert_eq!(platforms[5]["app_id"], DEFAULT_ALIPAY_APP_ID);

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

        // Reset keeps the orders; reset-merchants forgets them.
        assert_eq!(server.post("/reset", None).await.0, 200);
        let (_, orders) = server.get("/wechatpay/orders").await;
        assert_eq!(orders["orders"].as_array().unwrap().len(), 1);
        assert_eq!(server.post("/reset-merchants", None).await.0, 200);
        let (_, orders) = server.get("/wechatpay/orders").await;
        assert_eq!(orders["orders"], json!([]));
        refusal(server.get("/wechatpay/orders/WX-1").await, 404);
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

// --- Limits --------------------------------------------------------------------------

/// Bounds the slow-client tests, which wait for the server's timeouts on purpose.
const SLOW_LIMIT: Duration = Duration::from_secs(30);

/// `host:port` of the server's URL.
fn authority(server: &Server) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// How a raw connection ended.
#[derive(Debug, PartialEq)]
enum Ended {
    /// The server closed it (EOF, or a reset when it left bytes unread) after this many
    /// bytes had gone out.
    Closed { sent: usize },
    /// The server answered: the start of its answer.
    Answered(String),
}

/// [`trickle_on`] a new connection.
async fn trickle(addr: &str, data: &[u8], every: Duration) -> Ended {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    trickle_on(stream, data, every).await
}

/// Opens a connection, sends nothing, and waits for the server to close it.
async fn silent(addr: &str) -> bool {
    use tokio::io::AsyncReadExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut byte = [0u8; 1];
    matches!(stream.read(&mut byte).await, Ok(0) | Err(_))
}

async fn timed_out(server: &Server) -> u64 {
    let (status, health) = server.get("/health").await;
    assert_eq!(status, 200, "{health}");
    health["connections"]["timed_out"]
        .as_u64()
        .expect("a count")
}

#[tokio::test]
async fn slow_clients_are_closed_while_others_are_served() {
    let limit = tokio::time::timeout(SLOW_LIMIT, async {
        let server = Server::start(&[
            "--header-timeout",
            "2s",
            "--idle-timeout",
            "2s",
            "--body-timeout",
            "2s",
        ]);
        let addr = authority(&server);
        let head = b"GET /_admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
        let every = Duration::from_secs(1);
        let slow_head = tokio::spawn({
            let addr = addr.clone();
            async move { trickle(&addr, head, every).await }
        });
        let quiet = tokio::spawn({
            let addr = addr.clone();
            async move { silent(&addr).await }
        });
        // A head in full, then a body one byte a second: answered 408.
        let mut post = b"POST /sns/jscode2session HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                         Content-Length: 100\r\n\r\n"
            .to_vec();
        let body_starts = post.len();
        post.extend_from_slice(&[b'x'; 100]);
        let slow_body = tokio::spawn({
            let addr = addr.clone();
            async move {
                use tokio::io::AsyncWriteExt;
                let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
                stream.write_all(&post[..body_starts]).await.unwrap();
                trickle_on(stream, &post[body_starts..], every).await
            }
        });

        // Meanwhile another client is served, and served again.
        for _ in 0..3 {
            let (status, health) = server.get("/health").await;
            assert_eq!(status, 200, "{health}");
        }

        match slow_head.await.unwrap() {
            Ended::Closed { sent } => assert!(sent < head.len(), "closed mid-head"),
            answered => panic!("a half-sent head was answered: {answered:?}"),
        }
        assert!(quiet.await.unwrap(), "a silent connection is closed");
        match slow_body.await.unwrap() {
            Ended::Answered(answer) => {
                assert!(answer.starts_with("HTTP/1.1 408"), "{answer}")
            }
            closed => panic!("a slow body is answered 408, not {closed:?}"),
        }
        assert!(timed_out(&server).await >= 2, "the head and the silence");
    })
    .await;
    limit.expect("test took too long");
}

/// Sends `data` one byte every `every` until the server closes the connection or
/// answers; panics if every byte went out with neither.
async fn trickle_on(mut stream: tokio::net::TcpStream, data: &[u8], every: Duration) -> Ended {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut answer = [0u8; 256];
    for (sent, byte) in data.iter().enumerate() {
        if stream.write_all(&[*byte]).await.is_err() {
            return Ended::Closed { sent };
        }
        match tokio::time::timeout(every, stream.read(&mut answer)).await {
            Err(_) => {}
            Ok(Ok(0) | Err(_)) => return Ended::Closed { sent: sent + 1 },
            Ok(Ok(n)) => {
                return Ended::Answered(String::from_utf8_lossy(&answer[..n]).into_owned())
            }
        }
    }
    panic!(
        "all {} bytes went out: the server neither closed nor answered",
        data.len()
    );
}

#[tokio::test]
async fn beyond_the_connection_limit_a_client_waits_and_slow_ones_make_room() {
    let limit = tokio::time::timeout(SLOW_LIMIT, async {
        // Timeouts longer than this test may take: only crowding can free a slot.
        let server = Server::start(&[
            "--max-connections",
            "2",
            "--header-timeout",
            "40s",
            "--idle-timeout",
            "40s",
        ]);
        let addr = authority(&server);
        // Both slots go to clients that hold them for nothing: one silent, one that
        // never finishes its head. (Connected before the next client is: the backlog
        // is served in order.)
        let quiet = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = b"GET /_admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let hog = tokio::spawn(trickle_on(stream, head, Duration::from_secs(1)));
        let quiet = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut quiet = quiet;
            let mut byte = [0u8; 1];
            matches!(quiet.read(&mut byte).await, Ok(0) | Err(_))
        });
        // The next client waits; while it does, the two are hurried out — one closed
        // is enough to make room (the other may be spared once the waiting client has
        // its slot) — and it is served, with at most the limit open, itself among them.
        let (status, health) = server.get("/health").await;
        assert_eq!(status, 200, "{health}");
        assert_eq!(health["connections"]["limit"], 2, "{health}");
        assert!(
            health["connections"]["open"].as_u64().unwrap() <= 2,
            "{health}"
        );
        assert!(
            health["connections"]["timed_out"].as_u64().unwrap() >= 1,
            "{health}"
        );
        quiet.abort();
        hog.abort();
    })
    .await;
    limit.expect("test took too long: crowding did not make room");
}

#[tokio::test]
async fn steering_inputs_are_checked_against_the_platform() {
    bounded(async {
        let server = Server::start(&[]);
        let fail = |endpoint: &str, code: Value, times: Value| {
            json!({"endpoint": endpoint, "code": code, "times": times})
        };
        // WeChat's codes are integers: text is refused, digits in a string are taken.
        let why = refusal(
            server
                .post("/fail-next", Some(fail("wechat:auth.code2Session", json!("💥"), json!(1))))
                .await,
            400,
        );
        assert!(why.contains("integer codes") && why.contains("💥"), "{why}");
        let why = refusal(
            server
                .post("/fail-next", Some(fail("auth.code2Session", json!("ORDERPAID"), json!(1))))
                .await,
            400,
        );
        assert!(why.contains("integer codes"), "{why}");
        let (status, _) = server
            .post("/fail-next", Some(fail("wechat:auth.code2Session", json!("40029"), json!(1))))
            .await;
        assert_eq!(status, 200);
        let err = wechat(&server)
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap_err();
        assert_eq!(err.api().map(|e| e.code()), Some(40029.into()), "{err}");
        // WeChat Pay's are text.
        let (status, body) = server
            .post("/fail-next", Some(fail("pay.orderQuery", json!("ORDERPAID"), json!(1))))
            .await;
        assert_eq!(status, 200, "{body}");
        let long = "X".repeat(65);
        let why = refusal(
            server
                .post("/fail-next", Some(fail("pay.orderQuery", json!(long), json!(1))))
                .await,
            400,
        );
        assert!(why.contains("at most 64"), "{why}");

        // Bounded: times, the queue, delays.
        let why = refusal(
            server
                .post("/fail-next", Some(fail("auth.getAccessToken", json!(-1), json!(10_001))))
                .await,
            400,
        );
        assert!(why.contains("10000"), "{why}");
        let why = refusal(
            server
                .post("/fail-next", Some(fail("auth.getAccessToken", json!(-1), json!(-1))))
                .await,
            400,
        );
        assert!(why.contains("times"), "{why}");
        for n in 0..100 {
            // Alternating codes: each is a run of its own in the queue.
            let code = if n % 2 == 0 { -1 } else { 45009 };
            let (status, body) = server
                .post("/fail-next", Some(fail("wechat:auth.getAccessToken", json!(code), json!(1))))
                .await;
            assert_eq!(status, 200, "{n}: {body}");
        }
        let why = refusal(
            server
                .post("/fail-next", Some(fail("wechat:auth.getAccessToken", json!(40013), json!(1))))
                .await,
            409,
        );
        assert!(why.contains("100 failures are queued"), "{why}");
        let delay = |ms: Value| json!({"endpoint": "auth.code2Session", "ms": ms});
        let why = refusal(server.post("/delay", Some(delay(json!(60_001)))).await, 400);
        assert!(why.contains("60 s"), "{why}");
        refusal(server.post("/delay", Some(delay(json!(u64::MAX)))).await, 400);
        refusal(server.post("/delay", Some(delay(json!(-5)))).await, 400);
        let (status, body) = server.post("/delay", Some(delay(json!(60_000)))).await;
        assert_eq!((status, body["ms"].clone()), (200, json!(60_000)));
        let (status, _) = server.post("/delay", Some(delay(json!(0)))).await;
        assert_eq!(status, 200);
        // After all of it, the server still answers.
        assert_eq!(server.get("/health").await.0, 200);
    })
    .await;
}

#[tokio::test]
async fn the_log_keeps_bodies_short_its_bytes_bounded_and_is_read_by_pages() {
    bounded(async {
        let server = Server::start(&["--log-body-bytes", "1K", "--log-bytes", "64K"]);
        let body = "é".repeat(2048); // 4096 bytes of text
        for n in 0..5 {
            let sent = server
                .http
                .post(format!("{}/nowhere/{n}", server.url))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 404);
        }
        let wx = wechat(&server);
        for n in 0..3 {
            wx.auth()
                .code2_session(Code2SessionRequest::new(format!("code-{n}")))
                .await
                .unwrap();
        }

        // Pages of two, each pointing at the next, until the end.
        let (status, first) = server.get("/requests?limit=2").await;
        assert_eq!(status, 200, "{first}");
        assert_eq!(first["count"], 8);
        let cut = &first["requests"][0];
        assert_eq!(cut["id"], 1);
        assert_eq!(cut["body_len"], 4096, "the real length");
        assert_eq!(cut["body_truncated"], true);
        assert_eq!(cut["body"], "<4096 bytes of text, truncated>");
        let mut ids = vec![];
        let mut page = first;
        loop {
            ids.extend(
                page["requests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_u64().unwrap()),
            );
            let Some(next) = page["next"].as_str() else {
                break;
            };
            let next = next.strip_prefix("/_admin").expect("an admin path");
            let (status, body) = server.get(next).await;
            assert_eq!(status, 200, "{body}");
            page = body;
        }
        assert_eq!(ids, (1..=8).collect::<Vec<_>>());
        // Filtered and paged at once.
        let (_, filtered) = server
            .get("/requests?endpoint=auth.code2Session&limit=2")
            .await;
        assert_eq!(filtered["count"], 3);
        assert_eq!(filtered["requests"][0]["id"], 6);
        let next = filtered["next"].as_str().unwrap();
        assert!(
            next.contains("endpoint=auth.code2Session") && next.contains("after=7"),
            "{next}"
        );
        let why = refusal(server.get("/requests?limit=0").await, 400);
        assert!(why.contains("limit 0"), "{why}");
        refusal(server.get("/requests?limit=1001").await, 400);
        refusal(server.get("/requests?after=x").await, 400);

        // 100 more bodies: the oldest go, and the log stays within its 64 KiB.
        for n in 0..100 {
            server
                .http
                .post(format!("{}/nowhere/more-{n}", server.url))
                .body(body.clone())
                .send()
                .await
                .unwrap();
        }
        let (_, health) = server.get("/health").await;
        let log = &health["log"];
        assert!(log["bytes"].as_u64().unwrap() <= 64 * 1024, "{log}");
        let kept = log["requests"].as_u64().unwrap();
        assert!(kept < 108, "{log}");
        let (_, oldest) = server.get("/requests?limit=1").await;
        assert_eq!(oldest["count"], kept);
        assert_eq!(
            oldest["requests"][0]["id"],
            108 - kept + 1,
            "the latest are kept"
        );
    })
    .await;
}
