//! What the WeChat Pay tests compute by hand, independently of the SDK: the v2 sign
//! (MD5 and HMAC-SHA256), signed flat XML answers, and the fields of a sent body.
// Each test crate uses a different subset.
#![allow(dead_code)]

use miniapp::wechatpay::SignType;
use std::collections::BTreeMap;

pub const APP_ID: &str = "wx2421b1c4370ec43b";
pub const MCH_ID: &str = "10000100";
/// The API key of the docs' sign example.
pub const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

pub fn md5_upper(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode_upper(Md5::digest(text.as_bytes()))
}

pub fn hmac_upper(text: &str, key: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// The v2 sign, by hand: non-empty fields but `sign`, sorted, `&key=`, digest, upper hex.
pub fn sign_with_key(fields: &BTreeMap<String, String>, sign_type: SignType, key: &str) -> String {
    let canonical: Vec<String> = fields
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let text = format!("{}&key={key}", canonical.join("&"));
    match sign_type {
        SignType::Md5 => md5_upper(&text),
        _ => hmac_upper(&text, key),
    }
}

/// A flat XML document of `pairs`, signed with `key` unless `sign_type` is `None`.
pub fn xml_with_key(pairs: &[(&str, &str)], sign_type: Option<SignType>, key: &str) -> String {
    let mut fields: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(t) = sign_type {
        let sign = sign_with_key(&fields, t, key);
        fields.insert("sign".into(), sign);
    }
    let mut xml = String::from("<xml>");
    for (k, v) in &fields {
        xml.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    xml + "</xml>"
}

/// The fields of a request body, parsed with quick-xml independently of the SDK.
pub fn sent_fields(body: &[u8]) -> BTreeMap<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let (mut fields, mut name) = (BTreeMap::new(), None::<String>);
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() != b"xml" => {
                name = Some(String::from_utf8(e.name().as_ref().to_vec()).unwrap())
            }
            Event::CData(c) => {
                let text = String::from_utf8(c.to_vec()).unwrap();
                fields.insert(name.clone().unwrap(), text);
            }
            Event::Eof => return fields,
            _ => {}
        }
    }
}
