//! The published vectors through the whole endpoint, and the refusals.

use super::*;
use serde_json::json;

// Official sample values (token, EncodingAESKey, app id), as WxJava's and EasyWeChat's
// tests carry them.
const TOKEN: &str = "pamtest";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wxb11529c136998cb6";

// The Java sample's ciphertext of "我是中文abcd123" (random "aaaabbbbccccdddd"), and its
// msg_signature for timestamp 1409304348, nonce "xxxxxx" (computed from those inputs).
const JAVA_CIPHERTEXT: &str =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
const JAVA_MSG_SIGNATURE: &str = "82c962d39941aa48552f90ef55aa323dc620cc10";

// EasyWeChat's decrypt test: a text message whose padding is 21 bytes (over 16).
const EW_ENCRYPT: &str = "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==";
const EW_MSG_SIGNATURE: &str = "4f3ad57b6989f09f4eb392acce4f9e93942ed890";
const EW_TIMESTAMP: &str = "1458300676";
const EW_NONCE: &str = "260774613";
const EW_PLAIN: &str = "<xml><URL><![CDATA[http://wechat.laravel.so/server]]></URL><ToUserName><![CDATA[asdasdasd]]></ToUserName><FromUserName><![CDATA[asdasdasdsadasd]]></FromUserName><CreateTime>1234567898</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>12345</MsgId></xml>";

fn safe() -> Push {
    Push::new(APP_ID, TOKEN)
        .unwrap()
        .with_encoding_aes_key(AES_KEY)
        .unwrap()
}

fn plain() -> Push {
    Push::new(APP_ID, TOKEN).unwrap()
}

fn ew_query() -> String {
    format!("signature=ignored&timestamp={EW_TIMESTAMP}&nonce={EW_NONCE}&encrypt_type=aes&msg_signature={EW_MSG_SIGNATURE}")
}

fn ew_body() -> String {
    format!("<xml><ToUserName><![CDATA[asdasdasd]]></ToUserName><Encrypt><![CDATA[{EW_ENCRYPT}]]></Encrypt></xml>")
}

fn url_query(token: &str, echostr: &str) -> String {
    let sig = signature::sign(&[token, "1700000000", "n0nce"]);
    format!("signature={sig}&timestamp=1700000000&nonce=n0nce&echostr={echostr}")
}

#[test]
fn vector_signatures() {
    assert_eq!(
        signature::sign(&[TOKEN, EW_TIMESTAMP, EW_NONCE, EW_ENCRYPT]),
        EW_MSG_SIGNATURE
    );
    assert_eq!(
        signature::sign(&[TOKEN, "1409304348", "xxxxxx", JAVA_CIPHERTEXT]),
        JAVA_MSG_SIGNATURE
    );
}

#[test]
fn easywechat_vector_decrypts_with_its_21_byte_padding() {
    let key = cipher::AesKey::parse(AES_KEY).unwrap();
    let opened = cipher::open(&key, EW_ENCRYPT).unwrap();
    assert_eq!(&opened.random, b"d43123b161a4ba84");
    assert_eq!(opened.receive_id, APP_ID);
    assert_eq!(opened.pad, 21);
    assert_eq!(opened.message, EW_PLAIN);
}

#[test]
fn easywechat_vector_through_receive_is_kept_raw() {
    let received = safe().receive(&ew_query(), ew_body().as_bytes()).unwrap();
    assert_eq!(received.format, Format::Xml);
    assert!(received.encrypted);
    assert_eq!(received.common.to_user_name, "asdasdasd");
    assert_eq!(received.common.from_user_name, "asdasdasdsadasd");
    assert_eq!(received.common.create_time, 1234567898);
    assert_eq!(received.common.msg_type, "text");
    assert_eq!(
        received.message,
        PushMessage::Other(json!({
            "URL": "http://wechat.laravel.so/server",
            "ToUserName": "asdasdasd",
            "FromUserName": "asdasdasdsadasd",
            "CreateTime": "1234567898",
            "MsgType": "text",
            "Content": "hello",
            "MsgId": "12345"
        }))
    );
    // JSON outer body, same ciphertext.
    let body = json!({"ToUserName": "asdasdasd", "Encrypt": EW_ENCRYPT}).to_string();
    let received = safe().receive(&ew_query(), body.as_bytes()).unwrap();
    // The format is that of the decrypted message.
    assert_eq!(received.format, Format::Xml);
    assert_eq!(received.common.msg_type, "text");
}

#[test]
fn java_vector_passes_the_signature_and_decrypts() {
    let query = format!("timestamp=1409304348&nonce=xxxxxx&msg_signature={JAVA_MSG_SIGNATURE}");
    let body = format!("<xml><Encrypt>{JAVA_CIPHERTEXT}</Encrypt></xml>");
    // The sample's plaintext is not a push, so it fails only at parsing.
    let err = safe().receive(&query, body.as_bytes()).unwrap_err();
    assert!(matches!(err, PushError::Malformed(_)), "{err:?}");
}

#[test]
fn java_vector_as_an_encrypted_reply() {
    let reply = safe()
        .encrypted_reply_with(
            Format::Xml,
            "我是中文abcd123",
            1409304348,
            "xxxxxx",
            *b"aaaabbbbccccdddd",
        )
        .unwrap();
    assert_eq!(
        reply,
        format!("<xml><Encrypt><![CDATA[{JAVA_CIPHERTEXT}]]></Encrypt><MsgSignature><![CDATA[{JAVA_MSG_SIGNATURE}]]></MsgSignature><TimeStamp>1409304348</TimeStamp><Nonce><![CDATA[xxxxxx]]></Nonce></xml>")
    );
    let reply = safe()
        .encrypted_reply_with(
            Format::Json,
            "我是中文abcd123",
            1409304348,
            "xxxxxx",
            *b"aaaabbbbccccdddd",
        )
        .unwrap();
    let reply: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(
        reply,
        json!({"Encrypt": JAVA_CIPHERTEXT, "MsgSignature": JAVA_MSG_SIGNATURE, "TimeStamp": 1409304348, "Nonce": "xxxxxx"})
    );
    assert_eq!(
        plain().encrypted_reply(Format::Json, "x"),
        Err(PushError::NoAesKey)
    );
}

/// A safe-mode push built the way WeChat builds one (the reply is the same envelope).
fn seal_push(push: &Push, message: &Value) -> (String, String) {
    let reply = push
        .encrypted_reply(Format::Json, &message.to_string())
        .unwrap();
    let reply: Value = serde_json::from_str(&reply).unwrap();
    let query = format!(
        "signature=x&timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}",
        reply["TimeStamp"],
        reply["Nonce"].as_str().unwrap(),
        reply["MsgSignature"].as_str().unwrap()
    );
    let body = json!({"ToUserName": "gh_1", "Encrypt": reply["Encrypt"]}).to_string();
    (query, body)
}

#[test]
fn safe_mode_json_media_check_round_trip() {
    let event = json!({
        "ToUserName": "gh_1", "FromUserName": "o1", "CreateTime": 1700000000, "MsgType": "event",
        "Event": "wxa_media_check", "appid": APP_ID, "trace_id": "t-1", "version": 2, "errcode": 0,
        "result": {"suggest": "review", "label": 21000}, "detail": []
    });
    let (query, body) = seal_push(&safe(), &event);
    let received = safe().receive(&query, body.as_bytes()).unwrap();
    assert_eq!(received.format, Format::Json);
    let PushMessage::MediaCheck(check) = received.message else {
        panic!("{:?}", received.message)
    };
    assert_eq!(check.trace_id, "t-1");
    assert_eq!(check.result.unwrap().suggest, Suggest::Review);
}

#[test]
fn refusals_in_safe_mode() {
    let body = ew_body();
    // Wrong token.
    let other = Push::new(APP_ID, "othertoken")
        .unwrap()
        .with_encoding_aes_key(AES_KEY)
        .unwrap();
    assert_eq!(
        other.receive(&ew_query(), body.as_bytes()),
        Err(PushError::BadSignature("msg_signature"))
    );
    // Tampered ciphertext, timestamp or nonce.
    let tampered = body.replace("rTNFcsut", "rTNFcsuT");
    assert_eq!(
        safe().receive(&ew_query(), tampered.as_bytes()),
        Err(PushError::BadSignature("msg_signature"))
    );
    let query = ew_query().replace(EW_TIMESTAMP, "1458300677");
    assert_eq!(
        safe().receive(&query, body.as_bytes()),
        Err(PushError::BadSignature("msg_signature"))
    );
    // Unsigned: no msg_signature, no timestamp, no nonce.
    for (name, strip) in [
        (
            "msg_signature",
            format!("&msg_signature={EW_MSG_SIGNATURE}"),
        ),
        ("timestamp", format!("&timestamp={EW_TIMESTAMP}")),
        ("nonce", format!("&nonce={EW_NONCE}")),
    ] {
        let query = ew_query().replace(&strip, "");
        assert_eq!(
            safe().receive(&query, body.as_bytes()),
            Err(PushError::Missing(name))
        );
    }
    // Another app's push (same token and key).
    let other_app = Push::new("wx0000000000000000", TOKEN)
        .unwrap()
        .with_encoding_aes_key(AES_KEY)
        .unwrap();
    assert_eq!(
        other_app.receive(&ew_query(), body.as_bytes()),
        Err(PushError::ForeignApp {
            expected: "wx0000000000000000".into(),
            found: APP_ID.into()
        })
    );
    // Another EncodingAESKey: signed, but it does not decrypt.
    let other_key = Push::new(APP_ID, TOKEN)
        .unwrap()
        .with_encoding_aes_key("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq")
        .unwrap();
    let err = other_key.receive(&ew_query(), body.as_bytes()).unwrap_err();
    assert!(
        matches!(err, PushError::Padding | PushError::Layout(_)),
        "{err:?}"
    );
    // A plain push where encryption is configured, and the reverse.
    let plain_body = br#"{"ToUserName":"gh_1","CreateTime":1,"MsgType":"text"}"#;
    let query = url_query(TOKEN, "e");
    assert_eq!(
        safe().receive(&query, plain_body),
        Err(PushError::NotEncrypted)
    );
    assert_eq!(
        plain().receive(&ew_query(), body.as_bytes()),
        Err(PushError::NoAesKey)
    );
    // Encrypt that is not text.
    let err = safe()
        .receive(&ew_query(), br#"{"Encrypt": 5}"#)
        .unwrap_err();
    assert!(matches!(err, PushError::Malformed(_)), "{err:?}");
}

#[test]
fn url_check() {
    assert_eq!(
        plain().verify_url(&url_query(TOKEN, "4711")).unwrap(),
        "4711"
    );
    // Also in safe mode: the URL check is not encrypted.
    assert_eq!(
        safe().verify_url(&url_query(TOKEN, "abc%20d")).unwrap(),
        "abc d"
    );
    assert_eq!(
        plain().verify_url(&url_query("wrongtoken", "4711")),
        Err(PushError::BadSignature("signature"))
    );
    let query = url_query(TOKEN, "4711");
    assert_eq!(
        plain().verify_url(&query.replace("1700000000", "1700000001")),
        Err(PushError::BadSignature("signature"))
    );
    assert_eq!(
        plain().verify_url(&query.replace("&echostr=4711", "")),
        Err(PushError::Missing("echostr"))
    );
    let unsigned = query.split_once('&').unwrap().1;
    assert_eq!(
        plain().verify_url(unsigned),
        Err(PushError::Missing("signature"))
    );
    assert_eq!(plain().verify_url(""), Err(PushError::Missing("signature")));
    let repeated = format!("{query}&signature=0000");
    assert!(matches!(
        plain().verify_url(&repeated),
        Err(PushError::Malformed(_))
    ));
    assert_eq!(plain().verify_url(&format!("?{query}")).unwrap(), "4711");
}

#[test]
fn plain_mode_json_and_xml() {
    let query = url_query(TOKEN, "x");
    let received = plain()
        .receive(&query, br#"{"ToUserName":"gh_1","FromUserName":"o","CreateTime":1700000000,"MsgType":"event","Event":"trade_manage_remind_access_api","msg":"m"}"#)
        .unwrap();
    assert!(!received.encrypted);
    assert_eq!(received.format, Format::Json);
    assert_eq!(
        received.message,
        PushMessage::RemindAccessApi(RemindAccessApi { msg: "m".into() })
    );
    let received = plain().receive(&query, EW_PLAIN.as_bytes()).unwrap();
    assert_eq!(received.format, Format::Xml);
    assert!(matches!(received.message, PushMessage::Other(_)));
    // Wrong token, unsigned.
    assert_eq!(
        plain().receive(&url_query("wrongtoken", "x"), EW_PLAIN.as_bytes()),
        Err(PushError::BadSignature("signature"))
    );
    assert_eq!(
        plain().receive("timestamp=1&nonce=2", EW_PLAIN.as_bytes()),
        Err(PushError::Missing("signature"))
    );
}

#[test]
fn size_bounds() {
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        safe().receive(&ew_query(), &huge),
        Err(PushError::TooLarge {
            what: "body",
            len: MAX_BODY_BYTES + 1,
            max: MAX_BODY_BYTES
        })
    );
    let long = format!("{}&{}", ew_query(), "a".repeat(MAX_QUERY_BYTES));
    assert!(matches!(
        safe().receive(&long, ew_body().as_bytes()),
        Err(PushError::TooLarge { what: "query", .. })
    ));
    assert!(matches!(
        plain().verify_url(&long),
        Err(PushError::TooLarge { what: "query", .. })
    ));
}

#[test]
fn configuration_errors() {
    assert_eq!(
        Push::new(APP_ID, "ab").unwrap_err(),
        PushError::InvalidToken { len: 2 }
    );
    assert!(Push::new(APP_ID, "a".repeat(33)).is_err());
    assert!(Push::new(APP_ID, "abc").is_ok());
    assert!(matches!(
        plain().with_encoding_aes_key("short"),
        Err(PushError::InvalidAesKey(_))
    ));
    assert_eq!(PushError::NoAesKey.status(), 500);
    assert_eq!(PushError::BadSignature("signature").status(), 400);
}

#[test]
fn debug_shows_no_secret() {
    let text = format!("{:?}", safe());
    assert!(text.contains(APP_ID), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.contains("abcdefghijklmnop"), "{text}");
    // No error names the token or key either.
    let errors = [
        safe().receive(&ew_query(), b"{").unwrap_err(),
        Push::new(APP_ID, "othertoken")
            .unwrap()
            .with_encoding_aes_key(AES_KEY)
            .unwrap()
            .receive(&ew_query(), ew_body().as_bytes())
            .unwrap_err(),
    ];
    for err in errors {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(
                !text.contains(TOKEN) && !text.contains("abcdefghijklmnop"),
                "{text}"
            );
        }
    }
}

#[test]
fn garbage_never_panics() {
    let bodies: [&[u8]; 12] = [
        b"",
        b"<",
        b"{}",
        b"{\"Encrypt\":\"\"}",
        b"{\"Encrypt\":\"====\"}",
        b"{\"Encrypt\":\"AAAA\"}",
        b"<xml><Encrypt>AAAAAAAAAAAAAAAAAAAAAA==</Encrypt></xml>",
        b"<xml><Encrypt><a>1</a></Encrypt></xml>",
        b"<xml><Encrypt/></xml>",
        b"\xff\xfe\x00",
        b"<xml><MsgType>event</MsgType><CreateTime>99999999999999999999999</CreateTime></xml>",
        b"{\"MsgType\":\"event\",\"Event\":\"wxa_media_check\",\"CreateTime\":1,\"trace_id\":\"t\",\"detail\":5}",
    ];
    let queries = [
        "",
        "&&&",
        "%",
        "signature=%ZZ",
        "msg_signature=&timestamp=&nonce=",
        &ew_query(),
    ];
    for body in bodies {
        for query in queries {
            for push in [safe(), plain()] {
                let _ = push.receive(query, body);
                let _ = push.verify_url(query);
            }
        }
    }
    // Every signed-but-garbled ciphertext length from 0 to 96 bytes.
    for n in 0..96usize {
        let encrypt =
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![7u8; n]);
        let sig = signature::sign(&[TOKEN, "1", "2", &encrypt]);
        let query = format!("timestamp=1&nonce=2&msg_signature={sig}");
        let body = json!({ "Encrypt": encrypt }).to_string();
        assert!(safe().receive(&query, body.as_bytes()).is_err());
    }
}
