//! What the Alipay tests compute by hand, independently of the SDK's own crypto: RSA2
//! signatures with `ring` over the sorted parameter string, answers signed over the exact
//! text of their `_response` member, and the fields of a sent form.
// Each test crate uses a different subset.
#![allow(dead_code)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use std::collections::BTreeMap;

/// The app id of key set A (an SDK suite's sandbox app).
pub const APP_ID: &str = "9021000122682882";

pub fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/alipay_vectors/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// The app's private key (key set A, PEM PKCS#1).
pub fn app_private_key() -> String {
    vector("A.app_private_key.pem_pkcs1")
}

/// "Alipay"'s public key in these tests: the public half of the key the tests sign
/// answers with (an SDK suite's fake Alipay pair).
pub fn alipay_public_key() -> String {
    vector("fz.app_public_key.pem")
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    STANDARD.decode(body.trim()).unwrap()
}

/// RSA2 with the tests' "Alipay" private key (PKCS#1), standard base64.
pub fn alipay_sign(message: &str) -> String {
    let der = pem_der(&vector("fz.app_private_key.pem_pkcs1"));
    let key = RsaKeyPair::from_der(&der).unwrap();
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut sig,
    )
    .unwrap();
    STANDARD.encode(sig)
}

/// Checks an RSA2 signature with an SPKI PEM public key of 2048 bits.
pub fn verify_with(spki_pem: &str, message: &str, signature: &str) -> bool {
    // A 2048-bit RSA SubjectPublicKeyInfo is a fixed 24-byte header, then the PKCS#1 key.
    const HEADER: [u8; 24] = [
        0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00,
    ];
    let der = pem_der(spki_pem);
    assert_eq!(der[..24], HEADER, "a 2048-bit RSA SPKI");
    let Ok(sig) = STANDARD.decode(signature) else {
        return false;
    };
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der[24..])
        .verify(message.as_bytes(), &sig)
        .is_ok()
}

/// The string Alipay signs: every parameter but those in `skip`, non-empty, sorted.
pub fn string_to_sign(params: &BTreeMap<String, String>, skip: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The parameters of a sent form, each decoded once; a repeated name fails the test.
pub fn form_fields(body: &[u8]) -> BTreeMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap();
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        assert!(map.insert(k.clone(), v).is_none(), "{k} sent twice");
    }
    map
}

/// Does the sent form carry a valid RSA2 sign by key set A's app key?
pub fn signed_by_app(fields: &BTreeMap<String, String>) -> bool {
    verify_with(
        &vector("A.app_public_key.pem"),
        &string_to_sign(fields, &["sign"]),
        &fields["sign"],
    )
}

/// A body `{"<member>": <content>, "sign": "<sign of content>"}` with `content` as given.
pub fn signed_body(member: &str, content: &str) -> String {
    format!(
        "{{\"{member}\":{content},\"sign\":\"{}\"}}",
        alipay_sign(content)
    )
}

/// Retries that wait a millisecond or two, so refusal tests stay quick.
pub fn fast_retries() -> miniapp::RetryPolicy {
    miniapp::RetryPolicy {
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(2),
        ..miniapp::RetryPolicy::default()
    }
}

/// A client with the tests' keys, sending to `base` (a loopback server's URL).
pub fn client(base: &str) -> miniapp::alipay::Client {
    miniapp::alipay::Client::builder(APP_ID, app_private_key(), alipay_public_key())
        .base_url(base)
        .retry_policy(fast_retries())
        .try_build()
        .unwrap()
}

/// Mounts the gateway on `server`, answering every call with `body` as Alipay types it.
pub async fn gateway_answering(server: &wiremock::MockServer, body: String) {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("POST"))
        .and(path("/gateway.do"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_raw(body, "text/html;charset=utf-8"),
        )
        .mount(server)
        .await;
}

/// A loopback server whose gateway answers every call with `body`.
pub async fn answering(body: String) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    gateway_answering(&server, body).await;
    server
}
