//! Every envelope's encoder is the inverse of its decoder: for every endpoint of every
//! platform, the docs' example encoded as the platform answers (signed where it signs)
//! decodes to what the response type reads from the example, and every documented code
//! encoded as a refusal decodes as that code — through the generated `ROUND_TRIPS`
//! tables, so a new endpoint is covered by adding it to the schema.
#![cfg(all(feature = "full", feature = "encoders"))]

use miniapp::__private::{InfallibleSigner, RoundTrip};
use miniapp::runtime::signers::{
    AlipayRsa2, JucaiMd5, NoSigner, WechatPayPublicKey, WechatPayV2, WechatPayV3,
    WechatPayV3Options,
};
use miniapp::runtime::Credentials;

fn check<P: miniapp::__private::Platform>(
    table: &[(&str, RoundTrip<P>)],
    signer: &P::Signer,
) -> usize {
    let failures: Vec<String> = table
        .iter()
        .filter_map(|(name, run)| run(signer).err().map(|e| format!("{name}: {e}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    table.len()
}

fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/alipay_vectors/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn wechat_baidu_and_jucai_answers_decode_as_they_were_encoded() {
    assert!(check::<miniapp::wechat::Wechat>(miniapp::wechat::ROUND_TRIPS, &NoSigner) >= 20);
    assert!(check::<miniapp::baidu::Baidu>(miniapp::baidu::ROUND_TRIPS, &NoSigner) >= 3);
    let jucai = JucaiMd5::create(&Credentials::new("", "merchant-key"), &Default::default());
    assert!(check::<miniapp::jucai::Jucai>(miniapp::jucai::ROUND_TRIPS, &jucai) >= 1);
}

#[test]
fn wechat_pay_answers_are_signed_with_the_api_key_both_ways() {
    let credentials = Credentials::new("wx2421b1c4370ec43b", "192006250b4c09247ec02edce69f6a2d")
        .with_merchant_id("10000100");
    let signer = WechatPayV2::create(&credentials, &Default::default());
    assert!(check::<miniapp::wechatpay::WechatPay>(miniapp::wechatpay::ROUND_TRIPS, &signer) >= 8);
}

#[test]
fn alipay_answers_are_signed_over_their_member_with_alipays_key() {
    // The signer holds Alipay's key pair: its private half signs the answers as Alipay
    // does, its public half verifies them as a client does.
    let credentials = Credentials::new("9021000122682882", vector("fz.app_private_key.pem_pkcs1"))
        .with_platform_key(vector("fz.app_public_key.pem"));
    let signer =
        <AlipayRsa2 as miniapp::__private::Signer>::new(&credentials, &Default::default()).unwrap();
    assert!(check::<miniapp::alipay::Alipay>(miniapp::alipay::ROUND_TRIPS, &signer) >= 8);
}

fn v3_vector(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/wechatpay_v3/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// A WeChat Pay API v3 signer holding WeChat Pay's key pair (the SDK suite's K2): its
/// private half signs answers in their headers, its public half verifies them.
fn wechatpay_v3_signer(private_key: &str) -> WechatPayV3 {
    let credentials = Credentials::new("wxd678efh567hg6787", v3_vector(private_key))
        .with_merchant_id("1234567891")
        .with_key_id("5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
    let options = WechatPayV3Options {
        public_key: Some(WechatPayPublicKey {
            id: "PUB_KEY_ID_0114232134912410000000000000".into(),
            pem: v3_vector("K2.wechatpay_public_key.pem"),
        }),
        ..Default::default()
    };
    <WechatPayV3 as miniapp::__private::Signer>::new(&credentials, &options).unwrap()
}

#[test]
fn wechat_pay_v3_answers_are_signed_in_their_headers_with_wechat_pays_key() {
    let signer = wechatpay_v3_signer("K2.wechatpay_private_key.pem");
    let table = miniapp::wechatpay_v3::ROUND_TRIPS;
    assert!(check::<miniapp::wechatpay_v3::WechatPayV3>(table, &signer) >= 12);
    // Signed with the merchant's key instead, the same answers are refused.
    let merchant = wechatpay_v3_signer("K2.merchant_private_key.pem");
    let (_, run) = table.iter().find(|(name, _)| *name == "pay.jsapi").unwrap();
    let err = run(&merchant).unwrap_err();
    assert!(err.contains("signature"), "{err}");
}

/// The round trip checks what it claims: answers signed with a key the client does
/// not verify with come back refused, so a broken encoder (or decoder) fails the test.
#[test]
fn a_mismatched_key_pair_breaks_the_round_trip() {
    let credentials = Credentials::new("9021000122682882", vector("A.app_private_key.pem_pkcs1"))
        .with_platform_key(vector("fz.app_public_key.pem"));
    let signer =
        <AlipayRsa2 as miniapp::__private::Signer>::new(&credentials, &Default::default()).unwrap();
    let (_, run) = miniapp::alipay::ROUND_TRIPS
        .iter()
        .find(|(name, _)| *name == "trade.query")
        .unwrap();
    let err = run(&signer).unwrap_err();
    assert!(err.contains("signature"), "{err}");
}
