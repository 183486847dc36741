//! The tour: the SDK against its local simulator, no network and no real app needed.
//!
//! ```text
//! cargo run --example tour --features full
//! ```
//!
//! It starts [`Simulator`], points a WeChat client at it, walks the auth flow (access
//! token, code2Session, getPaidUnionId, a forced errcode, a constraint caught before
//! sending), calls one endpoint of every other WeChat group, prints the simulator's
//! request log (secrets redacted) and shows how to point the client at the real API.
//! Each platform has its own function below; Baidu and Jucai get theirs filled in as
//! their generated modules land.

use miniapp::simulator::{RecordedRequest, Simulator, PNG_SIZE};
use miniapp::wechat::analysis::GetDailyRetainRequest;
use miniapp::wechat::auth::{
    Code2SessionError, Code2SessionRequest, GetPaidUnionIdOrder, GetPaidUnionIdRequest,
};
use miniapp::wechat::customer_service_message::{SendMessage, SendRequest, TextMessage};
use miniapp::wechat::img::{ScanQrCodeImage, ScanQrCodeRequest};
use miniapp::wechat::wxacode::{CreateQrCodeRequest, GetUnlimitedRequest};
use miniapp::wechat::Client;
use std::error::Error;

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

const APP_ID: &str = "wx-demo-appid";
const SECRET: &str = "demo-secret";
const OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";

#[tokio::main]
async fn main() -> Result {
    let sim = Simulator::builder()
        .app_id(APP_ID)
        .secret(SECRET)
        .start()
        .await?;
    println!(
        "miniapp tour: local simulator at {} serving {} ({} endpoints)",
        sim.base_url(),
        sim.platforms().join(", "),
        sim.endpoints().len()
    );
    let mut tour = Tour { sim: &sim, seen: 0 };

    wechat(&mut tour).await?;
    baidu(&mut tour).await?;
    jucai(&mut tour).await?;

    request_log(&sim);
    real_api();
    Ok(())
}

/// Prints a step's heading and, after it, the requests the simulator received for it.
struct Tour<'a> {
    sim: &'a Simulator,
    seen: usize,
}

impl Tour<'_> {
    fn step(&mut self, title: &str) {
        println!("\n{title}");
    }
    /// What went over the wire since the last call (secrets show as `***`).
    fn sent(&mut self) {
        let log = self.sim.requests();
        for r in log.iter().skip(self.seen) {
            let mut request = format!("{} {}", r.method, r.path);
            if !r.query.is_empty() {
                request = format!("{request}?{}", r.redacted_query());
            }
            if let Some(body) = r.redacted_body() {
                request = format!("{request} {body}");
            }
            let answer = match r.code {
                Some(code) => format!("code {code}"),
                None => format!("HTTP {}", r.status),
            };
            println!("    sent  {} → {answer}", shorten(&request, 100));
        }
        self.seen = log.len();
    }
    fn got(&mut self, what: impl std::fmt::Display) {
        self.sent();
        println!("    got   {what}");
    }
}

/// WeChat mini program: the auth flow, then one call of every other group.
async fn wechat(tour: &mut Tour<'_>) -> Result {
    println!("\n=== WeChat (miniapp::wechat) ===");
    let wx = Client::builder(APP_ID, SECRET)
        .base_url(tour.sim.base_url())
        .build();

    tour.step("1. access token: the client's token manager fetches and caches it");
    let token = wx.token_source().token().await?;
    tour.got(format_args!(
        "token *** ({} chars), valid {} s; reused by every call below",
        token.secret().len(),
        token.remaining().as_secs_f64().round()
    ));
    let explicit = wx.auth().get_access_token().await?;
    tour.got(format_args!(
        "explicit auth.getAccessToken: another token *** ({} chars), expires_in {}",
        explicit.access_token.expose().len(),
        explicit.expires_in
    ));

    tour.step("2. auth.code2Session: the code from wx.login → openid + session_key");
    let session = wx
        .auth()
        .code2_session(Code2SessionRequest::new("0a3Xk2ll2Yh7Ge4W"))
        .await?;
    tour.got(format_args!(
        "openid {}, unionid {}, session_key {}",
        session.openid,
        session.unionid.as_deref().unwrap_or("-"),
        session.session_key
    ));

    tour.step("3. auth.getPaidUnionId: by transaction id, then by merchant order");
    let by_tx = wx
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            OPENID,
            GetPaidUnionIdOrder::transaction_id("4200000123202401010000000001"),
        ))
        .await?;
    tour.got(format_args!("unionid {}", by_tx.unionid));
    let by_order = wx
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            OPENID,
            GetPaidUnionIdOrder::merchant_order("1230000109", "ORDER-2024-0001"),
        ))
        .await?;
    tour.got(format_args!("unionid {}", by_order.unionid));

    tour.step("4. a documented errcode: sim.fail_next(\"auth.code2Session\", 40029, 1)");
    tour.sim.fail_next("auth.code2Session", 40029, 1);
    match wx
        .auth()
        .code2_session(Code2SessionRequest::new("expired-code"))
        .await
    {
        Err(e) => match e.api() {
            Some(err @ Code2SessionError::InvalidCode { .. }) => tour.got(format_args!(
                "Code2SessionError::InvalidCode — errcode {}, docs: {}",
                err.code(),
                err.description()
            )),
            _ => return Err(format!("unexpected error: {e}").into()),
        },
        Ok(_) => return Err("the forced errcode did not arrive".into()),
    }

    tour.step("5. a constraint broken: wxacode.createQRCode with width 2000");
    let before = tour.sim.count("wxacode.createQRCode");
    match wx
        .wxacode()
        .create_qr_code(CreateQrCodeRequest::new("pages/index/index").width(2000))
        .await
    {
        Err(e @ miniapp::Error::Invalid { .. }) => tour.got(format_args!(
            "rejected before sending ({} requests reached the simulator): {e}",
            tour.sim.count("wxacode.createQRCode") - before
        )),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("width 2000 was accepted".into()),
    }

    tour.step("6. analysis.getDailyRetain (datacube)");
    let retain = wx
        .analysis()
        .get_daily_retain(GetDailyRetainRequest::new("20170313", "20170313"))
        .await?;
    let day0 =
        |items: &[miniapp::wechat::analysis::RetainItem]| items.first().map_or(0, |i| i.value);
    tour.got(format_args!(
        "ref_date {}: active users {}, new users {}",
        retain.ref_date,
        day0(&retain.visit_uv),
        day0(&retain.visit_uv_new)
    ));

    tour.step("7. customerServiceMessage.send (text)");
    wx.customer_service_message()
        .send(SendRequest::new(
            OPENID,
            SendMessage::text(TextMessage::new("您好,订单已发货")),
        ))
        .await?;
    tour.got("ok (errcode 0)");

    tour.step("8. wxacode.getUnlimited: an image comes back");
    let code = wx
        .wxacode()
        .get_unlimited(GetUnlimitedRequest::new("id=42").page("pages/item/item"))
        .await?;
    tour.got(format_args!(
        "{}, {} bytes ({PNG_SIZE}×{PNG_SIZE} PNG, signature {})",
        code.content_type,
        code.bytes.len(),
        if code.bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "ok"
        } else {
            "MISSING"
        }
    ));

    tour.step("9. img.scanQRCode by URL");
    let scan = wx
        .img()
        .scan_qr_code(ScanQrCodeRequest::new(ScanQrCodeImage::url(
            "https://example.com/poster.jpg",
        )))
        .await?;
    let found: Vec<String> = scan
        .code_results
        .iter()
        .map(|c| format!("{} {}", c.type_name, c.data))
        .collect();
    tour.got(format_args!(
        "{} codes in {}×{}: {}",
        found.len(),
        scan.img_size.w,
        scan.img_size.h,
        found.join(", ")
    ));
    Ok(())
}

/// Baidu smart program — steps go here once `miniapp::baidu` is generated:
/// register it in `src/simulator/platform.rs` (`builtin`), then walk
/// getAccessToken → jscode2SessionKey → getUnionid like the WeChat steps above, with
/// `miniapp::baidu::Client::builder(app_key, secret).base_url(sim.base_url())`.
async fn baidu(tour: &mut Tour<'_>) -> Result {
    if tour.sim.platforms().contains(&"baidu") {
        println!("\n=== Baidu (miniapp::baidu) ===\n(the simulator serves it; tour steps to come)");
    } else {
        println!("\n=== Baidu: not in this build yet (its simulator registration is one call) ===");
    }
    Ok(())
}

/// Jucai (巨彩商服) aggregator — steps go here once `miniapp::jucai` is generated:
/// register it in `src/simulator/platform.rs` (`builtin`, with `sign_key`), then call
/// auth2OpenId and show the signed `{code, msg, data, sign}` answer being verified.
async fn jucai(tour: &mut Tour<'_>) -> Result {
    if tour.sim.platforms().contains(&"jucai") {
        println!("\n=== Jucai (miniapp::jucai) ===\n(the simulator serves it; tour steps to come)");
    } else {
        println!("\n=== Jucai: not in this build yet (its simulator registration is one call) ===");
    }
    Ok(())
}

/// At most `max` characters, with `…` where it was cut (the full line is in the log).
fn shorten(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn request_log(sim: &Simulator) {
    let log = sim.requests();
    println!(
        "\n=== The simulator's request log: {} requests, {} of them for tokens (secrets redacted) ===",
        log.len(),
        sim.token_requests()
    );
    for (i, r) in log.iter().enumerate() {
        println!("{:>3}. {:<34} {}", i + 1, endpoint(r), r);
    }
}

fn endpoint(r: &RecordedRequest) -> String {
    match (r.platform, r.endpoint) {
        (Some(p), Some(e)) => format!("{p}:{e}"),
        _ => "(no endpoint)".to_owned(),
    }
}

fn real_api() {
    println!(
        "\n=== The real API ===\n\
         The same calls against api.weixin.qq.com — only the constructor changes:\n\
         \n    let wx = miniapp::wechat::Client::new(app_id, secret); // https://api.weixin.qq.com\n\
         \x20   let session = wx.auth().code2_session(Code2SessionRequest::new(code)).await?;\n"
    );
}
