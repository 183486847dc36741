//! API v3 bills and sensitive fields against a real HTTP server on 127.0.0.1: the bill
//! call's signed answer locates the file, the file is fetched with a signed GET and
//! checked against its SHA-1 (gzip or not) — a truncated file, a wrong hash and a URL
//! on another host are refused, the last without any request; sensitive fields are
//! encrypted for WeChat Pay's key (decrypted here with its private half) and the
//! published merchant-key ciphertext decrypts.
#![cfg(feature = "wechatpay_v3")]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flate2::write::GzEncoder;
use miniapp::crypto::oaep::Decryptor;
use miniapp::wechatpay_v3::bill::{TarType, TradeBillRequest};
use miniapp::wechatpay_v3::{BillError, BillLocation, Client};
use ring::signature::{self, RsaKeyPair};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
const BILL: &str = "交易时间,公众账号ID,商户号,微信订单号,商户订单号,交易状态,应结订单金额\r\n`2023-11-15 06:13:20,`wxd678efh567hg6787,`1234567891,`4200000000000000000000000001,`1217752501201407033233368018,`SUCCESS,`1.00\r\n总交易单数,应结订单总金额\r\n`1,`1.00\r\n";

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::builder(
        "wxd678efh567hg6787",
        "1234567891",
        "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
        vector("K2.merchant_private_key.pem"),
    )
    .wechatpay_public_key(PUBLIC_KEY_ID, vector("K2.wechatpay_public_key.pem"))
    .base_url(server.uri())
    .try_build()
    .unwrap()
}

fn signed(body: String) -> ResponseTemplate {
    let der: String = vector("K2.wechatpay_private_key.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = "a-nonce-of-thirty-two-characters";
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        format!("{ts}\n{nonce}\n{body}\n").as_bytes(),
        &mut sig,
    )
    .unwrap();
    ResponseTemplate::new(200)
        .set_body_raw(body, "application/json")
        .insert_header("Wechatpay-Timestamp", ts.as_str())
        .insert_header("Wechatpay-Nonce", nonce)
        .insert_header("Wechatpay-Serial", PUBLIC_KEY_ID)
        .insert_header("Wechatpay-Signature", STANDARD.encode(sig).as_str())
}

fn sha1_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// The bill call answers a location on the server; the file is served as given.
async fn bill_server(file: Vec<u8>, hash: &str) -> MockServer {
    let server = MockServer::start().await;
    let location = serde_json::json!({
        "hash_type": "SHA1",
        "hash_value": hash,
        "download_url": format!("{}/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO", server.uri()),
    });
    Mock::given(method("GET"))
        .and(path("/v3/bill/tradebill"))
        .respond_with(signed(location.to_string()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/billdownload/file"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(file, "application/octet-stream"))
        .mount(&server)
        .await;
    server
}

async fn fetch(server: &MockServer) -> Result<Vec<u8>, BillError> {
    let client = client(server);
    let located = client
        .bill()
        .trade_bill(TradeBillRequest::new("2023-11-15").tar_type(TarType::Gzip))
        .await
        .unwrap();
    client
        .download_bill(BillLocation {
            download_url: &located.download_url,
            hash_type: located.hash_type.as_str(),
            hash_value: &located.hash_value,
        })
        .await
}

#[tokio::test]
async fn a_bill_is_located_fetched_signed_and_checked_against_its_hash() {
    for file in [gzip(BILL), BILL.as_bytes().to_vec()] {
        let server = bill_server(file, &sha1_hex(BILL.as_bytes()).to_uppercase()).await;
        let text = fetch(&server).await.unwrap();
        assert_eq!(text, BILL.as_bytes());
        let requests = server.received_requests().await.unwrap();
        let download = requests
            .iter()
            .find(|r| r.url.path() == "/v3/billdownload/file")
            .unwrap();
        let auth = download
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(auth.starts_with("WECHATPAY2-SHA256-RSA2048 "), "{auth}");
        let located = requests
            .iter()
            .find(|r| r.url.path() == "/v3/bill/tradebill")
            .unwrap();
        assert_eq!(
            located.url.query(),
            Some("bill_date=2023-11-15&tar_type=GZIP")
        );
    }
}

#[tokio::test]
async fn a_file_that_is_not_the_one_described_is_refused() {
    let truncated = BILL.as_bytes()[..BILL.len() - 10].to_vec();
    let server = bill_server(truncated, &sha1_hex(BILL.as_bytes())).await;
    let e = fetch(&server).await.unwrap_err();
    assert!(matches!(e, BillError::HashMismatch { .. }), "{e}");
    let server = bill_server(vec![0x1f, 0x8b, 1, 2, 3], &sha1_hex(BILL.as_bytes())).await;
    let e = fetch(&server).await.unwrap_err();
    assert!(matches!(e, BillError::Gzip(_)), "{e}");
}

#[tokio::test]
async fn a_download_url_on_another_host_is_never_fetched() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    let client = client(&server);
    for url in [
        format!("{}/v3/billdownload/file?token=x", other.uri()),
        "https://api.mch.weixin.qq.com/v3/billdownload/file?token=x".to_owned(),
        "not a url".to_owned(),
    ] {
        let e = client
            .download_bill(BillLocation {
                download_url: &url,
                hash_type: "SHA1",
                hash_value: "00",
            })
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("not on this client's base URL"),
            "{e}"
        );
    }
    assert!(other.received_requests().await.unwrap().is_empty());
    assert!(server.received_requests().await.unwrap().is_empty());
    let e = client
        .download_bill(BillLocation {
            download_url: &format!("{}/v3/billdownload/file", server.uri()),
            hash_type: "SM3",
            hash_value: "00",
        })
        .await
        .unwrap_err();
    assert!(matches!(e, BillError::HashType(_)), "{e}");
}

#[tokio::test]
async fn sensitive_fields_are_encrypted_for_wechat_pay_and_decrypted_with_the_merchant_key() {
    let server = MockServer::start().await;
    let client = client(&server);
    let field = client.encrypt_sensitive("张三").unwrap();
    assert_eq!(field.serial, PUBLIC_KEY_ID);
    let wechatpay = Decryptor::parse(&vector("K2.wechatpay_private_key.pem")).unwrap();
    assert_eq!(
        wechatpay.decrypt(&field.ciphertext).unwrap(),
        "张三".as_bytes()
    );
    // wechatpay-java's published ciphertext for the merchant key.
    assert_eq!(
        client.decrypt_sensitive(&vector("K2.oaep.ct")).unwrap(),
        "plaintext"
    );
    assert!(client.decrypt_sensitive("MTIzNA==").is_err());
}
