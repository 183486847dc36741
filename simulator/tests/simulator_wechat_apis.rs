//! The WeChat server APIs added from the schema — phone number, subscribe messages,
//! content security, links, shipping info — served by the in-process simulator from
//! their documented examples, through the real client: typed answers, forced codes as
//! their variants, and required fields refused with the platform's code.
#![cfg(feature = "wechat")]

use miniapp::wechat::order_shipping::{
    DeliveryMode, LogisticsType, OrderKey, Payer, ShippingItem, UploadShippingInfoError,
    UploadShippingInfoRequest,
};
use miniapp::wechat::phonenumber::GetPhoneNumberRequest;
use miniapp::wechat::security::{Label, MsgSecCheckError, MsgSecCheckRequest, Scene, Suggest};
use miniapp::wechat::subscribe_message::{DataValue, SendError, SendRequest};
use miniapp::wechat::urllink::GenerateRequest;
use miniapp::wechat::Client;
use miniapp_simulator::{Simulator, DEFAULT_APP_ID, DEFAULT_SECRET};
use serde_json::json;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(15);
const OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

fn client(sim: &Simulator) -> Client {
    Client::builder(DEFAULT_APP_ID, DEFAULT_SECRET)
        .base_url(sim.base_url())
        .timeout(Duration::from_secs(5))
        .build()
}

fn shipping() -> UploadShippingInfoRequest {
    UploadShippingInfoRequest::new(
        OrderKey::by_transaction_id("4200001911202311244151425390"),
        LogisticsType::Express,
        DeliveryMode::Unified,
        vec![ShippingItem::new("微信红包抱枕*1个")
            .tracking_no("323244567777")
            .express_company("DHL")],
        "2022-12-15T13:29:35.120+08:00",
        Payer::new(OPENID),
    )
}

#[tokio::test]
async fn the_new_endpoints_answer_their_documented_examples() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);

        let phone = wx
            .phonenumber()
            .get_phone_number(GetPhoneNumberRequest::new("PHONE_CODE"))
            .await
            .unwrap();
        assert_eq!(phone.phone_info.pure_phone_number.expose(), "xxxxxx");
        assert_eq!(phone.phone_info.watermark.timestamp, 1637744274);
        assert!(!format!("{phone:?}").contains("xxxxxx"));

        let data = BTreeMap::from([("thing1".to_owned(), DataValue::new("配送中"))]);
        wx.subscribe_message()
            .send(SendRequest::new(OPENID, "TEMPLATE_ID", data))
            .await
            .unwrap();

        let check = wx
            .security()
            .msg_sec_check(MsgSecCheckRequest::new("hello", Scene::Comment, OPENID))
            .await
            .unwrap();
        assert_eq!(check.result.suggest, Suggest::Risky);
        assert_eq!(check.result.label, Label::Politics);

        let link = wx
            .urllink()
            .generate(GenerateRequest::new().path("pages/index/index"))
            .await
            .unwrap();
        assert!(
            link.url_link.starts_with("https://wxaurl.cn/"),
            "{}",
            link.url_link
        );

        wx.order_shipping()
            .upload_shipping_info(shipping())
            .await
            .unwrap();

        let log = sim.requests();
        let shipped = log
            .iter()
            .find(|r| r.endpoint == Some("orderShipping.upload_shipping_info"))
            .expect("the upload is logged under its endpoint");
        let sent: serde_json::Value =
            serde_json::from_str(shipped.body_text.as_deref().unwrap()).unwrap();
        assert_eq!(sent["order_key"]["order_number_type"], 2);
        assert_eq!(sim.count("phonenumber.getPhoneNumber"), 1);
    })
    .await;
}

#[tokio::test]
async fn forced_codes_come_back_as_their_variants() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        sim.fail_next("subscribeMessage.send", 43101, 1);
        let err = wx
            .subscribe_message()
            .send(SendRequest::new(OPENID, "t", BTreeMap::new()))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(SendError::UserRefused { .. })),
            "{err}"
        );

        sim.fail_next("security.msgSecCheck", 61010, 1);
        let err = wx
            .security()
            .msg_sec_check(MsgSecCheckRequest::new("x", Scene::Profile, OPENID))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.api(),
                Some(MsgSecCheckError::UserNotRecentlyActive { .. })
            ),
            "{err}"
        );

        sim.fail_next("orderShipping.upload_shipping_info", 10060002, 1);
        let err = wx
            .order_shipping()
            .upload_shipping_info(shipping())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.api(),
                Some(UploadShippingInfoError::AlreadyShipped { .. })
            ),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn required_fields_of_the_new_endpoints_are_refused() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .get(format!("{}/cgi-bin/token", sim.base_url()))
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", DEFAULT_APP_ID),
                ("secret", DEFAULT_SECRET),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let post = |p: &str, body: serde_json::Value| {
            http.post(format!("{}{p}", sim.base_url()))
                .query(&[("access_token", token.as_str())])
                .json(&body)
                .send()
        };
        let body: serde_json::Value = post("/wxa/business/getuserphonenumber", json!({}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["errcode"], 47001, "{body}");
        assert!(
            body["errmsg"].as_str().unwrap().contains("`code`"),
            "{body}"
        );

        let body: serde_json::Value = post(
            "/wxa/sec/order/upload_shipping_info",
            json!({"logistics_type": 1, "delivery_mode": 1}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(body["errcode"], 47001, "{body}");
    })
    .await;
}
