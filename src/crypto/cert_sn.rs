//! Certificate serial-number digests, as Alipay's public-key-certificate mode names its
//! keys: a certificate is `md5(issuer DN + serial number in decimal)` in lowercase hex,
//! the issuer written as RFC 4514 text (`CN=…,OU=…,O=…,C=CN`, last RDN first, as Java's
//! `X500Principal.getName()` and Go's `pkix.Name.String()` write it). A root certificate
//! file holds several certificates; its name joins, with `_`, the digests of those signed
//! with RSA (`sha1WithRSA`, `sha256WithRSA`) and skips the others (SM2, ECDSA roots).
//!
//! See <https://opendocs.alipay.com/common/02kipk> for the mode itself.

use super::rsa::{decode_text, KeyError};
use der::Decode;
use md5::{Digest, Md5};
use x509_cert::Certificate;

/// `sha1WithRSAEncryption` and `sha256WithRSAEncryption`: the root certificates whose
/// digests the root name includes.
const RSA_SIGNATURES: [spki::ObjectIdentifier; 2] = [
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5"),
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
];

/// The certificates of a PEM text (one or a chain), in order. Refuses text with none.
pub fn certificates(text: &str) -> Result<Vec<Certificate>, KeyError> {
    let blocks = pem_blocks(text)?;
    blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let (_, der) = decode_text(block, "certificate")?;
            Certificate::from_der(&der)
                .map_err(|e| KeyError::new(format!("certificate {} does not parse: {e}", i + 1)))
        })
        .collect()
}

/// The digest naming one certificate (`app_cert_sn`, `alipay_cert_sn`).
pub fn cert_sn(cert: &Certificate) -> String {
    let tbs = cert.tbs_certificate();
    let name = format!(
        "{}{}",
        tbs.issuer(),
        decimal(tbs.serial_number().as_bytes())
    );
    hex::encode(Md5::digest(name.as_bytes()))
}

/// A certificate's serial number as WeChat Pay writes it (`serial_no`,
/// `Wechatpay-Serial`): upper-case hex without separators or leading zeros, as Java's
/// `BigInteger.toString(16)` and Go's `%X` print it — never decimal.
pub fn serial_hex(cert: &Certificate) -> String {
    let hex = hex::encode_upper(cert.tbs_certificate().serial_number().as_bytes());
    match hex.trim_start_matches('0') {
        "" => "0".to_owned(),
        rest => rest.to_owned(),
    }
}

/// The name of a root certificate file (`alipay_root_cert_sn`): the digests of its
/// RSA-signed certificates joined with `_`. Refuses a file with none.
pub fn root_cert_sn(text: &str) -> Result<String, KeyError> {
    let digests: Vec<String> = certificates(text)?
        .iter()
        .filter(|c| RSA_SIGNATURES.contains(&c.signature_algorithm().oid))
        .map(cert_sn)
        .collect();
    if digests.is_empty() {
        return Err(KeyError::new(
            "the root certificate file holds no RSA-signed certificate",
        ));
    }
    Ok(digests.join("_"))
}

/// The PEM `CERTIFICATE` blocks of `text`, each with its armour.
fn pem_blocks(text: &str) -> Result<Vec<String>, KeyError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start..];
        let end = after
            .find(END)
            .ok_or_else(|| KeyError::new(format!("a certificate has no `{END}` line")))?;
        blocks.push(format!("{}\n", &after[..end + END.len()]));
        rest = &after[end + END.len()..];
    }
    if blocks.is_empty() {
        return Err(KeyError::new(
            "expected a PEM certificate (`-----BEGIN CERTIFICATE-----`)",
        ));
    }
    Ok(blocks)
}

/// An unsigned big-endian integer in decimal (serial numbers are up to 20 bytes).
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new(); // least significant first
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_vector as vector;

    /// The serial-number names an SDK suite signs with, from the sandbox certificates
    /// it ships (the app's, Alipay's chain, and the root file of four certificates of
    /// which two are RSA-signed).
    #[test]
    fn names_of_the_sandbox_certificates() {
        let app = certificates(&vector("A.app_cert.crt")).unwrap();
        assert_eq!(cert_sn(&app[0]), "e90dd23a37c5c7b616e003970817ff82");
        assert_eq!(
            root_cert_sn(&vector("A.alipay_root_cert.crt")).unwrap(),
            "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
        );
        let chain = certificates(&vector("A.alipay_cert.crt")).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(cert_sn(&chain[0]), "6f1e366a31d9575cd546914add04f4af");
    }

    #[test]
    fn decimal_of_big_serials() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&u64::MAX.to_be_bytes()), u64::MAX.to_string());
        let serial = 0x2023_0607_caa8_b2e6_dd94_3115_cd90_3930_u128;
        assert_eq!(decimal(&serial.to_be_bytes()), serial.to_string());
    }

    /// WeChat Pay names certificates by their hex serial: the K1 certificates of
    /// wechatpay-go's suite (F576… has its top bit set, so DER adds a zero byte that the
    /// name drops) and the platform certificate of wechatpay-java's download answer.
    #[test]
    fn wechatpay_serials_are_upper_case_hex() {
        use crate::crypto::v3_vector;
        for name in ["F5765756002FDD77", "D7CE59D1F522D701"] {
            let cert = certificates(&v3_vector(&format!("K1.cert_{name}.pem"))).unwrap();
            assert_eq!(serial_hex(&cert[0]), name);
        }
        let key = crate::crypto::aead::ApiV3Key::new(&v3_vector("K2.apiv3_key")).unwrap();
        let answer: serde_json::Value =
            serde_json::from_str(&v3_vector("K2.certificates.answer")).unwrap();
        let sealed = &answer["data"][0]["encrypt_certificate"];
        let pem = key
            .decrypt(
                sealed["nonce"].as_str().unwrap(),
                "certificate",
                sealed["ciphertext"].as_str().unwrap(),
            )
            .unwrap();
        let cert = certificates(std::str::from_utf8(&pem).unwrap()).unwrap();
        assert_eq!(serial_hex(&cert[0]), answer["data"][0]["serial_no"]);
    }

    #[test]
    fn unusable_files_are_clear_errors() {
        let e = root_cert_sn("").unwrap_err().to_string();
        assert!(e.contains("PEM certificate"), "{e}");
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let e = certificates(broken).unwrap_err().to_string();
        assert!(e.contains("certificate 1 does not parse"), "{e}");
        let e = certificates("-----BEGIN CERTIFICATE-----\nAAAA")
            .unwrap_err()
            .to_string();
        assert!(e.contains("END CERTIFICATE"), "{e}");
    }
}
