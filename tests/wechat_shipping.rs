//! Wire tests of the WeChat `orderShipping` group (发货信息管理, `/wxa/sec/order/*`)
//! against a real HTTP server on 127.0.0.1: exact JSON bodies with the enums as the
//! numbers the wire carries, the order chosen by transaction id or merchant order, the
//! docs' example answers decoded (amounts in fen), limits checked before sending, and
//! every documented code typed.
#![cfg(feature = "wechat")]

mod wechat_support;

use miniapp::runtime::Error;
use miniapp::wechat::order_shipping::*;
use serde_json::json;
use wechat_support::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

const UPLOAD: &str = "/wxa/sec/order/upload_shipping_info";
const COMBINED: &str = "/wxa/sec/order/upload_combined_shipping_info";
const GET_ORDER: &str = "/wxa/sec/order/get_order";
const LIST: &str = "/wxa/sec/order/get_order_list";
const CONFIRM: &str = "/wxa/sec/order/notify_confirm_receive";
const JUMP: &str = "/wxa/sec/order/set_msg_jump_path";
const MANAGED: &str = "/wxa/sec/order/is_trade_managed";
const CONFIRMED: &str = "/wxa/sec/order/is_trade_management_confirmation_completed";

const UPLOAD_TIME: &str = "2022-12-15T13:29:35.120+08:00";

fn express_item() -> ShippingItem {
    ShippingItem::new("微信红包抱枕*1个")
        .tracking_no("323244567777")
        .express_company("DHL")
        .contact(Contact::new().receiver_contact("189****1234"))
}

#[tokio::test]
async fn upload_shipping_info_writes_the_documented_body() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "order_key": {"order_number_type": 2, "transaction_id": "42000020212023112332159214xx"},
        "logistics_type": 1,
        "delivery_mode": 1,
        "shipping_list": [{
            "tracking_no": "323244567777",
            "express_company": "DHL",
            "item_desc": "微信红包抱枕*1个",
            "contact": {"receiver_contact": "189****1234"},
        }],
        "upload_time": UPLOAD_TIME,
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    });
    answer(
        &server,
        UPLOAD,
        expected.clone(),
        "orderShipping.upload_shipping_info",
    )
    .await;
    client(&server)
        .order_shipping()
        .upload_shipping_info(UploadShippingInfoRequest::new(
            OrderKey::by_transaction_id("42000020212023112332159214xx"),
            LogisticsType::Express,
            DeliveryMode::Unified,
            vec![express_item()],
            UPLOAD_TIME,
            Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        ))
        .await
        .unwrap();
    let sent = requests_to(&server, UPLOAD).await;
    assert_eq!(query(&sent[0]), [pair("access_token", "TOKEN")]);
    assert_eq!(body(&sent[0]), expected);
}

#[tokio::test]
async fn upload_shipping_info_split_by_merchant_order() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "order_key": {"order_number_type": 1, "mchid": "1230000109", "out_trade_no": "20231124000001"},
        "logistics_type": 1,
        "delivery_mode": 2,
        "is_all_delivered": false,
        "shipping_list": [
            {"tracking_no": "1", "express_company": "SF", "item_desc": "上衣"},
            {"tracking_no": "2", "express_company": "SF", "item_desc": "裤子"},
        ],
        "upload_time": UPLOAD_TIME,
        "payer": {"openid": "o"},
    });
    answer(
        &server,
        UPLOAD,
        expected,
        "orderShipping.upload_shipping_info",
    )
    .await;
    let item = |no: &str, desc: &str| {
        ShippingItem::new(desc)
            .tracking_no(no)
            .express_company("SF")
    };
    client(&server)
        .order_shipping()
        .upload_shipping_info(
            UploadShippingInfoRequest::new(
                OrderKey::by_merchant_order("1230000109", "20231124000001"),
                LogisticsType::Express,
                DeliveryMode::Split,
                vec![item("1", "上衣"), item("2", "裤子")],
                UPLOAD_TIME,
                Payer::new("o"),
            )
            .is_all_delivered(false),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn upload_shipping_info_checks_nested_limits_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let request = |item: ShippingItem, openid: &str| {
        UploadShippingInfoRequest::new(
            OrderKey::by_transaction_id("t"),
            LogisticsType::Virtual,
            DeliveryMode::Unified,
            vec![item],
            UPLOAD_TIME,
            Payer::new(openid),
        )
    };
    // item_desc is at most 120 characters.
    let err = c
        .order_shipping()
        .upload_shipping_info(request(ShippingItem::new("字".repeat(121)), "o"))
        .access_token("T")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(
        err.to_string().contains("shipping_list[0].item_desc"),
        "{err}"
    );
    // payer.openid is 1-128 bytes.
    let err = c
        .order_shipping()
        .upload_shipping_info(request(ShippingItem::new("x"), ""))
        .access_token("T")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("payer.openid"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn upload_combined_shipping_info_writes_the_sub_orders() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "order_key": {"order_number_type": 1, "mchid": "m", "out_trade_no": "combined"},
        "sub_orders": [{
            "order_key": {"order_number_type": 1, "mchid": "m", "out_trade_no": "sub1"},
            "logistics_type": 3,
            "delivery_mode": 1,
            "shipping_list": [{"item_desc": "话费充值"}],
        }],
        "upload_time": UPLOAD_TIME,
        "payer": {"openid": "o"},
    });
    answer(
        &server,
        COMBINED,
        expected,
        "orderShipping.upload_combined_shipping_info",
    )
    .await;
    client(&server)
        .order_shipping()
        .upload_combined_shipping_info(UploadCombinedShippingInfoRequest::new(
            OrderKey::by_merchant_order("m", "combined"),
            vec![SubOrder::new(
                OrderKey::by_merchant_order("m", "sub1"),
                LogisticsType::Virtual,
                DeliveryMode::Unified,
                vec![ShippingItem::new("话费充值")],
            )],
            UPLOAD_TIME,
            Payer::new("o"),
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn get_order_by_either_key_decodes_the_doc_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    answer(
        &server,
        GET_ORDER,
        json!({"transaction_id": "4200001911202311244151425390"}),
        "orderShipping.get_order",
    )
    .await;
    answer(
        &server,
        GET_ORDER,
        json!({"merchant_id": "1230000109", "merchant_trade_no": "20231124000001", "sub_merchant_id": "s"}),
        "orderShipping.get_order",
    )
    .await;
    let c = client(&server);
    let r = c
        .order_shipping()
        .get_order(GetOrderRequest::new(GetOrderOrder::transaction_id(
            "4200001911202311244151425390",
        )))
        .await
        .unwrap();
    c.order_shipping()
        .get_order(
            GetOrderRequest::new(GetOrderOrder::merchant_order(
                "1230000109",
                "20231124000001",
            ))
            .sub_merchant_id("s"),
        )
        .await
        .unwrap();
    let o = r.order;
    assert_eq!(
        o.transaction_id.as_deref(),
        Some("4200001911202311244151425390")
    );
    assert_eq!(o.paid_amount, Some(1000), "fen");
    assert_eq!(o.order_state, Some(OrderState::Shipped));
    assert_eq!(o.in_complaint, Some(false));
    let s = o.shipping.unwrap();
    assert_eq!(s.delivery_mode, Some(DeliveryMode::Unified));
    assert_eq!(s.logistics_type, Some(LogisticsType::Express));
    assert_eq!(s.finish_shipping_count, Some(1));
    let item = &s.shipping_list.unwrap()[0];
    assert_eq!(item.upload_time, Some(1700808200));
    assert_eq!(
        item.contact.as_ref().unwrap().receiver_contact.as_deref(),
        Some("189****1234")
    );
}

/// An order state the docs add later (6 was added after some SDKs listed 1-5) is kept.
#[tokio::test]
async fn get_order_list_pages_and_keeps_unlisted_states() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "pay_time_range": {"begin_time": 1700000000, "end_time": 1700808100},
        "order_state": 1,
        "page_size": 50,
    });
    answer(&server, LIST, expected, "orderShipping.get_order_list").await;
    let c = client(&server);
    let r = c
        .order_shipping()
        .get_order_list(
            GetOrderListRequest::new()
                .pay_time_range(TimeRange::new().begin_time(1700000000).end_time(1700808100))
                .order_state(OrderState::ToShip)
                .page_size(50),
        )
        .await
        .unwrap();
    assert_eq!(r.has_more, Some(false));
    assert_eq!(r.last_index.as_deref(), Some("CAUQABoLCPS9tqsGEKjK+j8="));
    let orders = r.order_list.unwrap();
    assert_eq!(orders[0].order_state, Some(OrderState::ToShip));

    let server = MockServer::start().await;
    Mock::given(path(LIST))
        .respond_with(json_response(
            r#"{"errcode":0,"errmsg":"ok","order_list":[{"order_state":7}],"has_more":true,"last_index":"x"}"#,
        ))
        .mount(&server)
        .await;
    let r = client(&server)
        .order_shipping()
        .get_order_list(GetOrderListRequest::new().last_index("prev"))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(
        body(&requests_to(&server, LIST).await[0]),
        json!({"last_index": "prev"})
    );
    assert_eq!(
        r.order_list.unwrap()[0].order_state,
        Some(OrderState::Other(7))
    );
}

#[tokio::test]
async fn confirm_receive_jump_path_and_management_checks() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    answer(
        &server,
        CONFIRM,
        json!({"transaction_id": "42000", "received_time": 1700900000}),
        "orderShipping.notify_confirm_receive",
    )
    .await;
    answer(
        &server,
        JUMP,
        json!({"path": "pages/goods/order_detail"}),
        "orderShipping.set_msg_jump_path",
    )
    .await;
    answer(
        &server,
        MANAGED,
        json!({"appid": "wx-app"}),
        "orderShipping.is_trade_managed",
    )
    .await;
    answer(
        &server,
        CONFIRMED,
        json!({"appid": "wx-app"}),
        "orderShipping.is_trade_management_confirmation_completed",
    )
    .await;
    let c = client(&server);
    let shipping = c.order_shipping();
    shipping
        .notify_confirm_receive(NotifyConfirmReceiveRequest::new(
            1700900000,
            NotifyConfirmReceiveOrder::transaction_id("42000"),
        ))
        .await
        .unwrap();
    shipping
        .set_msg_jump_path(SetMsgJumpPathRequest::new("pages/goods/order_detail"))
        .await
        .unwrap();
    let managed = shipping
        .is_trade_managed(IsTradeManagedRequest::new("wx-app"))
        .await
        .unwrap();
    assert!(managed.is_trade_managed);
    let confirmed = shipping
        .is_trade_management_confirmation_completed(
            IsTradeManagementConfirmationCompletedRequest::new("wx-app"),
        )
        .await
        .unwrap();
    assert!(confirmed.completed);
}

/// Uploading is not idempotent (a second upload uses the order's one re-ship chance):
/// even "busy" is returned, not retried.
#[tokio::test]
async fn upload_maps_every_documented_errcode_and_is_not_retried() {
    use UploadShippingInfoError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40001, |e| matches!(e, E::AccessTokenInvalid { .. })),
        (10060001, |e| matches!(e, E::PaymentNotFound { .. })),
        (10060002, |e| matches!(e, E::AlreadyShipped { .. })),
        (10060003, |e| matches!(e, E::ReshipUsed { .. })),
        (10060004, |e| matches!(e, E::NotShippable { .. })),
        (10060005, |e| matches!(e, E::InvalidLogisticsType { .. })),
        (10060006, |e| matches!(e, E::SplitOnlyForExpress { .. })),
        (10060007, |e| matches!(e, E::IsAllDeliveredMissing { .. })),
        (10060008, |e| matches!(e, E::ItemDescEmpty { .. })),
        (10060009, |e| matches!(e, E::ItemDescTooLong { .. })),
        (10060011, |e| matches!(e, E::InvalidLastIndex { .. })),
        (10060012, |e| matches!(e, E::ShippingSystemError { .. })),
        (10060014, |e| matches!(e, E::InvalidParam { .. })),
        (10060019, |e| matches!(e, E::ShippingSystemBusy { .. })),
        (10060020, |e| matches!(e, E::NoItemDesc { .. })),
        (10060023, |e| matches!(e, E::NothingChanged { .. })),
        (10060024, |e| matches!(e, E::ShippingListTooLong { .. })),
        (10060025, |e| matches!(e, E::ExpressCompanyTooLong { .. })),
        (10060026, |e| matches!(e, E::TrackingNoTooLong { .. })),
        (10060028, |e| matches!(e, E::NotShipped { .. })),
        (10060029, |e| matches!(e, E::ReceivedTimeTooEarly { .. })),
        (10060030, |e| matches!(e, E::RemindAlreadyUsed { .. })),
        (10060031, |e| matches!(e, E::PayerMismatch { .. })),
        (10060032, |e| matches!(e, E::RemindOnlyForExpress { .. })),
        (268485194, |e| matches!(e, E::InvalidOrderNumberType { .. })),
        (268485195, |e| matches!(e, E::TransactionIdMissing { .. })),
        (268485196, |e| matches!(e, E::MchidMissing { .. })),
        (268485197, |e| matches!(e, E::OutTradeNoMissing { .. })),
        (268485216, |e| matches!(e, E::InvalidUploadTime { .. })),
        (268485224, |e| matches!(e, E::InvalidDeliveryMode { .. })),
        (268485226, |e| matches!(e, E::TrackingNoMissing { .. })),
        (268485227, |e| matches!(e, E::ExpressCompanyMissing { .. })),
        (268485228, |e| matches!(e, E::UnifiedNeedsOneItem { .. })),
    ];
    let request = || {
        UploadShippingInfoRequest::new(
            OrderKey::by_transaction_id("t"),
            LogisticsType::SelfPickup,
            DeliveryMode::Unified,
            vec![ShippingItem::new("x")],
            UPLOAD_TIME,
            Payer::new("o"),
        )
    };
    assert_codes(
        UPLOAD,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.order_shipping()
                .upload_shipping_info(request())
                .access_token("FIXED")
                .await
        },
    )
    .await;
    let server = MockServer::start().await;
    Mock::given(path(UPLOAD))
        .respond_with(json_response(
            r#"{"errcode":10060012,"errmsg":"system error"}"#,
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .order_shipping()
        .upload_shipping_info(request())
        .access_token("T")
        .await
        .unwrap_err();
    assert!(matches!(err.api(), Some(E::ShippingSystemError { .. })));
    assert_eq!(requests_to(&server, UPLOAD).await.len(), 1);
}

/// Querying is idempotent: the shipping table's "system error, retry" codes are retried.
#[tokio::test]
async fn get_order_retries_the_documented_retry_codes() {
    let server = MockServer::start().await;
    for code in [10060012, 10060019] {
        Mock::given(path(GET_ORDER))
            .respond_with(json_response(&format!(
                r#"{{"errcode":{code},"errmsg":"retry"}}"#
            )))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(path(GET_ORDER))
        .respond_with(json_response(example("orderShipping.get_order")))
        .mount(&server)
        .await;
    client(&server)
        .order_shipping()
        .get_order(GetOrderRequest::new(GetOrderOrder::transaction_id("t")))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(requests_to(&server, GET_ORDER).await.len(), 3);
}

#[tokio::test]
async fn management_checks_map_every_documented_errcode() {
    use IsTradeManagedError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40013, |e| matches!(e, E::InvalidAppId { .. })),
        (40097, |e| matches!(e, E::AppIdMissing { .. })),
        (44990, |e| matches!(e, E::TooFrequent { .. })),
        (61003, |e| matches!(e, E::ThirdPartyNoPermission { .. })),
        (61004, |e| matches!(e, E::IpNotWhitelisted { .. })),
        (61011, |e| matches!(e, E::InvalidThirdParty { .. })),
    ];
    assert_codes(
        MANAGED,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.order_shipping()
                .is_trade_managed(IsTradeManagedRequest::new("a"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
    use IsTradeManagementConfirmationCompletedError as C;
    let cases: &[(i64, IsVariant<C>)] = &[
        (40013, |e| matches!(e, C::InvalidAppId { .. })),
        (61004, |e| matches!(e, C::IpNotWhitelisted { .. })),
    ];
    assert_codes(
        CONFIRMED,
        cases,
        |e| matches!(e, C::Other { .. }),
        |c| async move {
            c.order_shipping()
                .is_trade_management_confirmation_completed(
                    IsTradeManagementConfirmationCompletedRequest::new("a"),
                )
                .access_token("FIXED")
                .await
        },
    )
    .await;
    use SetMsgJumpPathError as J;
    let cases: &[(i64, IsVariant<J>)] = &[(-1, |e| matches!(e, J::SystemBusy { .. }))];
    assert_codes(
        JUMP,
        cases,
        |e| matches!(e, J::Other { .. }),
        |c| async move {
            c.order_shipping()
                .set_msg_jump_path(SetMsgJumpPathRequest::new("p"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}
