//! The merchant certificate: PEM and PKCS#12 (made by `openssl pkcs12 -export -legacy`,
//! RC2-40/3DES, and the modern AES-256 way; password = mch_id) loaded when the client is
//! built, and refunds sent over mutual TLS to a loopback server that demands a client
//! certificate signed by the test CA — while the other calls never present it.
//! Fixtures: `tests/fixtures/wechatpay_cert/` (a test CA, a server and a client
//! certificate, made once with openssl for these tests).
#![cfg(feature = "wechatpay")]

use miniapp::runtime::{ClientIdentity, Error};
use miniapp::wechatpay::pay::*;
use miniapp::wechatpay::{Client, SignType};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/wechatpay_cert/"
);
const APP_ID: &str = "wx2421b1c4370ec43b";
const MCH_ID: &str = "10000100";
const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap()
}

fn pem_identity() -> ClientIdentity {
    ClientIdentity::from_pem(&file("apiclient_cert.pem"), &file("apiclient_key.pem")).unwrap()
}

#[test]
fn pem_and_both_pkcs12_generations_load() {
    pem_identity();
    ClientIdentity::from_pkcs12(&file("apiclient_cert_legacy.p12"), MCH_ID).unwrap();
    ClientIdentity::from_pkcs12(&file("apiclient_cert_modern.p12"), MCH_ID).unwrap();
    assert_eq!(format!("{:?}", pem_identity()), "ClientIdentity(***)");
}

#[test]
fn a_wrong_password_or_a_malformed_file_is_a_clear_error_at_build_time() {
    for p12 in ["apiclient_cert_legacy.p12", "apiclient_cert_modern.p12"] {
        let e = ClientIdentity::from_pkcs12(&file(p12), "wrong").unwrap_err();
        assert!(e.to_string().contains("wrong password"), "{e}");
    }
    assert!(ClientIdentity::from_pkcs12(b"not pkcs12", MCH_ID).is_err());
    let cert = file("apiclient_cert.pem");
    let e = ClientIdentity::from_pem(&cert, &cert).unwrap_err();
    assert!(e.to_string().contains("private key"), "{e}");
    let e = ClientIdentity::from_pem(b"garbage", &file("apiclient_key.pem")).unwrap_err();
    assert!(e.to_string().contains("certificate"), "{e}");
    let broken_key = String::from_utf8(file("apiclient_key.pem"))
        .unwrap()
        .replace("MII", "XXX");
    assert!(ClientIdentity::from_pem(&cert, broken_key.as_bytes()).is_err());
}

fn md5_upper(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode_upper(Md5::digest(text.as_bytes()))
}

fn signed_answer(pairs: &[(&str, &str)]) -> String {
    let fields: BTreeMap<&str, &str> = pairs.iter().copied().collect();
    let canonical: Vec<String> = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let sign = md5_upper(&format!("{}&key={KEY}", canonical.join("&")));
    let mut xml = String::from("<xml>");
    for (k, v) in fields {
        xml.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    xml + &format!("<sign>{sign}</sign></xml>")
}

/// What the mutual-TLS server saw: the request line and whether a client certificate
/// (verified against the test CA) was presented.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    client_cert: bool,
    body: String,
}

/// An HTTPS server on 127.0.0.1 that requires a client certificate from the test CA and
/// answers every request with `answer`.
async fn mutual_tls_server(answer: String) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let ca = CertificateDer::from_pem_slice(&file("ca.pem")).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(ca).unwrap();
    let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .unwrap();
    let chain = vec![CertificateDer::from_pem_slice(&file("server.pem")).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(&file("server.key")).unwrap();
    let config = ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, answer, log) = (acceptor.clone(), answer.clone(), log.clone());
            tokio::spawn(async move {
                // A client without a certificate fails the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let client_cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .is_some_and(|c| !c.is_empty());
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head_end, length) = loop {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                log.lock().unwrap().push(Seen {
                    request_line: text.lines().next().unwrap_or_default().to_owned(),
                    client_cert,
                    body: text[head_end.min(text.len())..].to_owned(),
                });
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://127.0.0.1:{}", addr.port()), seen)
}

fn trusting_the_test_ca() -> reqwest::ClientBuilder {
    let ca = reqwest::Certificate::from_pem(&file("ca.pem")).unwrap();
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
}

fn refund_request() -> RefundRequest {
    RefundRequest::new(
        "1415701182",
        100,
        100,
        RefundOrder::out_trade_no("1415757673"),
    )
}

const REFUND_OK: &[(&str, &str)] = &[
    ("return_code", "SUCCESS"),
    ("return_msg", "OK"),
    ("appid", APP_ID),
    ("mch_id", MCH_ID),
    ("nonce_str", "NfsMFbUFpdbEhPXP"),
    ("result_code", "SUCCESS"),
    ("transaction_id", "1008450740201411110005820873"),
    ("out_trade_no", "1415757673"),
    ("out_refund_no", "1415701182"),
    ("refund_id", "2008450740201411110000174436"),
    ("refund_fee", "100"),
    ("total_fee", "100"),
    ("cash_fee", "100"),
    ("coupon_refund_count", "1"),
    ("coupon_refund_id_0", "C0"),
    ("coupon_refund_fee_0", "20"),
];

#[tokio::test]
async fn refunds_present_the_certificate_over_mutual_tls() {
    let identities = [
        ("pem", pem_identity()),
        (
            "legacy p12",
            ClientIdentity::from_pkcs12(&file("apiclient_cert_legacy.p12"), MCH_ID).unwrap(),
        ),
        (
            "modern p12",
            ClientIdentity::from_pkcs12(&file("apiclient_cert_modern.p12"), MCH_ID).unwrap(),
        ),
    ];
    for (what, identity) in identities {
        let (url, seen) = mutual_tls_server(signed_answer(REFUND_OK)).await;
        let pay = Client::builder(APP_ID, MCH_ID, KEY)
            .base_url(&url)
            .http_client(trusting_the_test_ca().build().unwrap())
            .client_certificate_with(identity, trusting_the_test_ca())
            .unwrap()
            .build();
        let r = pay.pay().refund(refund_request()).await.unwrap();
        assert_eq!(r.refund_id, "2008450740201411110000174436", "{what}");
        assert_eq!((r.refund_fee, r.total_fee, r.cash_fee), (100, 100, 100));
        let coupons = r.coupons.expect("the coupons");
        assert_eq!(
            (
                coupons[0].coupon_refund_id.as_str(),
                coupons[0].coupon_refund_fee
            ),
            ("C0", 20)
        );
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "{what}");
        assert!(
            seen[0].client_cert,
            "{what}: a client certificate was presented"
        );
        assert!(
            seen[0].request_line.starts_with("POST /secapi/pay/refund "),
            "{seen:?}"
        );
        assert!(seen[0]
            .body
            .contains("<out_refund_no><![CDATA[1415701182]]></out_refund_no>"));
    }
}

#[tokio::test]
async fn other_calls_never_present_the_certificate() {
    // The server demands a certificate: the ordinary client, which has none, is refused
    // at the handshake, so a query through the same Client proves the split.
    let (url, seen) = mutual_tls_server(signed_answer(REFUND_OK)).await;
    let pay = Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(&url)
        .http_client(trusting_the_test_ca().build().unwrap())
        .client_certificate_with(pem_identity(), trusting_the_test_ca())
        .unwrap()
        .sign_type(SignType::Md5)
        .build();
    let err = pay
        .pay()
        .order_query(OrderQueryRequest::new(OrderQueryOrder::out_trade_no("1")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_refund_without_a_certificate_is_refused_before_sending() {
    let server = wiremock::MockServer::start().await;
    let pay = Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(server.uri())
        .build();
    match pay.pay().refund(refund_request()).await.unwrap_err() {
        Error::Encode { reason, .. } => assert!(reason.contains("client certificate"), "{reason}"),
        other => panic!("expected an encode error, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A fund-flow bill in the documented column layout (written for this test; no public
/// sample with a known key exists).
const FUNDFLOW: &str = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\n`2019-07-25 08:35:41,`4200000123201907251234567890,`1234567890123456789,`退款,`退款,`支出,`1.42,`100.58,`system,`缺货,`REFUND123\n`2019-07-25 09:00:00,`4200000123201907251234567891,`1234567890123456790,`交易,`交易,`收入,`6.00,`106.58,`system,`,`\n资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\n`2,`1,`6.00,`1,`1.42\n";

#[tokio::test]
async fn fund_flow_is_downloaded_over_mutual_tls_always_signed_with_hmac() {
    let (url, seen) = mutual_tls_server(FUNDFLOW.to_owned()).await;
    let pay = Client::builder(APP_ID, MCH_ID, KEY)
        .base_url(&url)
        .sign_type(SignType::Md5) // the client's default; the endpoint forces HMAC
        .client_certificate_with(pem_identity(), trusting_the_test_ca())
        .unwrap()
        .build();
    let flow = pay
        .download_fundflow(DownloadFundflowRequest::new("20190725", AccountType::Basic))
        .await
        .unwrap();
    assert_eq!(flow.rows.len(), 2);
    assert_eq!(
        (
            flow.rows[0].direction.as_str(),
            flow.rows[0].amount,
            flow.rows[0].balance
        ),
        ("支出", 142, 10058)
    );
    assert_eq!(flow.rows[1].amount, 600);
    let s = &flow.summary;
    assert_eq!(
        (
            s.total_records,
            s.income_records,
            s.income,
            s.expense_records,
            s.expense
        ),
        (2, 1, 600, 1, 142)
    );

    let seen = seen.lock().unwrap().clone();
    assert!(seen[0].client_cert);
    let body = &seen[0].body;
    assert!(
        body.contains("<sign_type><![CDATA[HMAC-SHA256]]></sign_type>"),
        "{body}"
    );
    // The sign, recomputed by hand with HMAC-SHA256 over the fields sent.
    let mut reader = quick_xml::Reader::from_reader(body.as_bytes());
    let (mut fields, mut name) = (BTreeMap::new(), String::new());
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) => {
                name = String::from_utf8(e.name().as_ref().to_vec()).unwrap()
            }
            quick_xml::events::Event::CData(c) => {
                fields.insert(name.clone(), String::from_utf8(c.to_vec()).unwrap());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let canonical: Vec<String> = fields
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{}&key={KEY}", canonical.join("&")).as_bytes());
    assert_eq!(
        fields["sign"],
        hex::encode_upper(mac.finalize().into_bytes())
    );
    assert_eq!(fields["account_type"], "Basic");
}
