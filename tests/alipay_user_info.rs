//! `alipay.user.info.share` against a real HTTP server on 127.0.0.1: no `biz_content`,
//! the user's token in the common parameter `auth_token` (signed with the rest, never
//! in Debug), the doc's example answer signed and decoded, personal fields redacted in
//! Debug, and the token errors (20001) typed and not retried.
#![cfg(feature = "alipay")]

use miniapp::alipay::user::*;
use miniapp::runtime::Error;

mod alipay_support;
use alipay_support::*;

const MEMBER: &str = "alipay_user_info_share_response";
const TOKEN: &str = "authusrB3379f70b4ba94b93b7b65bd4a7d8dX15";

#[tokio::test]
async fn the_token_is_a_signed_common_parameter_and_the_doc_example_decodes() {
    // The doc's example answer, signed here with the tests' "Alipay" key.
    let example = r#"{"code":"10000","msg":"Success","user_id":"2088102104794936","avatar":"http:\/\/tfsimg.alipay.com\/images\/partner\/T1uIxXXbpXXXXXXXX","province":"安徽省","city":"安庆","nick_name":"支付宝小二","is_student_certified":"T","user_type":"1","user_status":"T","is_certified":"T","gender":"F"}"#;
    let server = answering(signed_body(MEMBER, example)).await;
    let request = InfoShareRequest::new(TOKEN);
    assert!(
        !format!("{request:?}").contains(TOKEN),
        "the token is redacted"
    );
    let user = client(&server.uri())
        .user()
        .info_share(request)
        .await
        .unwrap();
    assert_eq!(user.user_id.as_deref(), Some("2088102104794936"));
    assert_eq!(
        user.avatar.as_deref(),
        Some("http://tfsimg.alipay.com/images/partner/T1uIxXXbpXXXXXXXX")
    );
    assert_eq!(user.nick_name.as_deref(), Some("支付宝小二"));
    assert_eq!(
        (user.province.as_deref(), user.city.as_deref()),
        (Some("安徽省"), Some("安庆"))
    );
    assert_eq!(user.gender.as_deref(), Some("F"));
    assert_eq!(user.user_type.as_deref(), Some("1"));
    assert_eq!(user.user_status.as_deref(), Some("T"));
    assert_eq!(user.is_certified.as_deref(), Some("T"));
    assert!(user.mobile.is_none() && user.cert_no.is_none());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let form = form_fields(&requests[0].body);
    let keys: Vec<&str> = form.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "app_id",
            "auth_token",
            "charset",
            "format",
            "method",
            "sign",
            "sign_type",
            "timestamp",
            "version"
        ],
        "no biz_content"
    );
    assert_eq!(form["method"], "alipay.user.info.share");
    assert_eq!(form["auth_token"], TOKEN);
    assert!(signed_by_app(&form), "the token is signed with the rest");
    let mut other = form.clone();
    other.insert("auth_token".into(), "authusrBother".into());
    assert!(!signed_by_app(&other));
}

#[tokio::test]
async fn personal_fields_are_redacted_in_debug() {
    let content = r#"{"code":"10000","msg":"Success","user_id":"2088102104794936","user_name":"张三","cert_type":"0","cert_no":"110101199003070000","mobile":"13800000000","phone":"0571-88880000","email":"zhang@example.com","person_birthday":"19900307"}"#;
    let server = answering(signed_body(MEMBER, content)).await;
    let user = client(&server.uri())
        .user()
        .info_share(InfoShareRequest::new(TOKEN))
        .await
        .unwrap();
    assert_eq!(user.mobile.as_ref().unwrap().expose(), "13800000000");
    assert_eq!(
        user.cert_no.as_ref().unwrap().expose(),
        "110101199003070000"
    );
    assert_eq!(user.cert_type.as_deref(), Some("0"));
    let debug = format!("{user:?}");
    for secret in [
        "张三",
        "110101199003070000",
        "13800000000",
        "0571-88880000",
        "zhang@example.com",
        "19900307",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("2088102104794936"), "{debug}");
}

#[tokio::test]
async fn token_errors_are_typed_and_not_retried() {
    // As a recorded live answer has it: code 20001, the sub code naming the token problem.
    type Is = fn(&InfoShareError) -> bool;
    let cases: [(&str, &str, Is); 3] = [
        ("aop.auth-token-time-out", "访问令牌已过期", |e| {
            matches!(e, InfoShareError::AuthTokenTimeOut { .. })
        }),
        ("aop.invalid-auth-token", "无效的访问令牌", |e| {
            matches!(e, InfoShareError::InvalidAuthToken { .. })
        }),
        (
            "aop.invalid-app-auth-token",
            "无效的应用授权令牌",
            |e| matches!(e, InfoShareError::InvalidAppAuthToken { .. }),
        ),
    ];
    for (sub_code, sub_msg, is) in cases {
        let content = format!(
            r#"{{"code":"20001","msg":"Insufficient Token Permissions","sub_code":"{sub_code}","sub_msg":"{sub_msg}"}}"#
        );
        let server = answering(signed_body(MEMBER, &content)).await;
        let e = client(&server.uri())
            .user()
            .info_share(InfoShareRequest::new(TOKEN))
            .await
            .unwrap_err();
        match &e {
            Error::Api { source, .. } => {
                assert!(is(source), "{sub_code}: {source:?}");
                assert_eq!(source.code().to_string(), sub_code);
                assert!(source.to_string().contains(sub_msg), "{source}");
            }
            other => panic!("{sub_code}: {other:?}"),
        }
        assert!(!format!("{e:?}").contains(TOKEN));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
    // A 20001 without a sub code the table lists keeps the public code.
    let content = r#"{"code":"20001","msg":"Insufficient Token Permissions","sub_code":"aop.something-new","sub_msg":"x"}"#;
    let server = answering(signed_body(MEMBER, content)).await;
    let e = client(&server.uri())
        .user()
        .info_share(InfoShareRequest::new(TOKEN))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Api {
                source: InfoShareError::InsufficientTokenPermissions { .. },
                ..
            }
        ),
        "{e:?}"
    );
    // An empty token is refused before anything is sent.
    let server = answering(String::new()).await;
    let e = client(&server.uri())
        .user()
        .info_share(InfoShareRequest::new(""))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
