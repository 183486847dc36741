//! The pushes decoded typed: the common fields every push has, and the events the
//! content-security and shipping-info APIs produce. Everything else stays a raw value.
//!
//! Numbers are accepted as JSON numbers or as text, because XML pushes carry them as
//! text; a typed event whose fields do not fit is an error, not a silent `Other`.
//!
//! Docs: mediaCheckAsync
//! <https://developers.weixin.qq.com/miniprogram/dev/server/API/sec-center/sec-check/api_mediacheckasync.html>;
//! the shipping-info events (发货信息管理)
//! <https://developers.weixin.qq.com/miniprogram/dev/platform-capabilities/business-capabilities/order-shipping/order-shipping.html>.

use super::PushError;
use crate::runtime::lenient;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The fields every push carries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Common {
    /// The mini program's original id (`gh_…`).
    #[serde(rename = "ToUserName", default)]
    pub to_user_name: String,
    /// The user's openid, or a system account for platform events.
    #[serde(rename = "FromUserName", default)]
    pub from_user_name: String,
    /// Unix seconds, as WeChat stamped it.
    #[serde(rename = "CreateTime", deserialize_with = "lenient::int")]
    pub create_time: i64,
    /// `event`, `text`, `image`, `miniprogrampage`, …
    #[serde(rename = "MsgType")]
    pub msg_type: String,
    /// The event's name when `msg_type` is `event`.
    #[serde(rename = "Event", default)]
    pub event: Option<String>,
}

/// A push, typed where this SDK knows the event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PushMessage {
    /// `wxa_media_check`: the result of a `mediaCheckAsync` request.
    MediaCheck(MediaCheck),
    /// `trade_manage_remind_access_api`: a reminder to integrate shipping-info upload.
    RemindAccessApi(RemindAccessApi),
    /// `trade_manage_remind_shipping`: an order unshipped for more than 48 hours.
    RemindShipping(RemindShipping),
    /// `trade_manage_order_settlement`: an order shipped, or settled.
    OrderSettlement(OrderSettlement),
    /// Any other message or event: every field as received (from XML, all text).
    Other(Value),
}

/// A content-security verdict: `risky`, `pass` or `review`, or a value added later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggest {
    Risky,
    Pass,
    Review,
    /// A value the docs do not list (yet).
    Other(String),
}

impl<'de> Deserialize<'de> for Suggest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "risky" => Suggest::Risky,
            "pass" => Suggest::Pass,
            "review" => Suggest::Review,
            _ => Suggest::Other(text),
        })
    }
}

/// The overall verdict of a media check.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MediaCheckResult {
    pub suggest: Suggest,
    /// 100 normal, 20001 politics, 20002 porn, 20006 crime, 21000 other.
    #[serde(deserialize_with = "lenient::int")]
    pub label: i64,
}

/// One strategy's verdict; it counts only when its `errcode` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MediaCheckDetail {
    #[serde(default)]
    pub strategy: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub errcode: i64,
    #[serde(default)]
    pub suggest: Option<Suggest>,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub label: Option<i64>,
    /// Confidence, 0–100.
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub prob: Option<i64>,
}

/// `wxa_media_check`. Match it to its request by `trace_id`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MediaCheck {
    #[serde(default)]
    pub appid: String,
    pub trace_id: String,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub version: Option<i64>,
    /// 0 when the check ran; -1008 when the media could not be downloaded. The result
    /// counts only when this is 0.
    #[serde(default, deserialize_with = "lenient::int")]
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: Option<String>,
    #[serde(default)]
    pub result: Option<MediaCheckResult>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub detail: Vec<MediaCheckDetail>,
}

/// `trade_manage_remind_access_api`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RemindAccessApi {
    #[serde(default)]
    pub msg: String,
}

/// `trade_manage_remind_shipping`. `pay_time` is unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RemindShipping {
    pub transaction_id: String,
    #[serde(default)]
    pub merchant_id: String,
    #[serde(default)]
    pub sub_merchant_id: String,
    #[serde(default)]
    pub merchant_trade_no: String,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub pay_time: Option<i64>,
    #[serde(default)]
    pub msg: String,
}

/// `trade_manage_order_settlement`, pushed when shipping completes (with
/// `estimated_settlement_time`) and again when the order settles (with the
/// confirmation and settlement fields). Times are unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OrderSettlement {
    pub transaction_id: String,
    #[serde(default)]
    pub merchant_id: String,
    #[serde(default)]
    pub sub_merchant_id: String,
    #[serde(default)]
    pub merchant_trade_no: String,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub pay_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub shipped_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub estimated_settlement_time: Option<i64>,
    /// 1 confirmed automatically, 2 by the user.
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub confirm_receive_method: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub confirm_receive_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int_opt")]
    pub settlement_time: Option<i64>,
}

/// XML gives a single `<detail>` as an object and repeated ones as an array; JSON an
/// array. An empty element (`<detail/>`) is no detail.
fn one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<MediaCheckDetail>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| MediaCheckDetail::deserialize(item).map_err(D::Error::custom))
            .collect(),
        Value::Null => Ok(Vec::new()),
        Value::String(text) if text.trim().is_empty() => Ok(Vec::new()),
        item => Ok(vec![
            MediaCheckDetail::deserialize(item).map_err(D::Error::custom)?
        ]),
    }
}

/// The common fields and the typed message of a parsed push.
pub(crate) fn decode(fields: Map<String, Value>) -> Result<(Common, PushMessage), PushError> {
    let value = Value::Object(fields);
    let common = Common::deserialize(&value).map_err(|e| PushError::Decode {
        event: "common",
        detail: e.to_string(),
    })?;
    let event = if common.msg_type == "event" {
        common.event.as_deref().unwrap_or("")
    } else {
        ""
    };
    let message = match event {
        "wxa_media_check" => PushMessage::MediaCheck(typed("wxa_media_check", &value)?),
        "trade_manage_remind_access_api" => {
            PushMessage::RemindAccessApi(typed("trade_manage_remind_access_api", &value)?)
        }
        "trade_manage_remind_shipping" => {
            PushMessage::RemindShipping(typed("trade_manage_remind_shipping", &value)?)
        }
        "trade_manage_order_settlement" => {
            PushMessage::OrderSettlement(typed("trade_manage_order_settlement", &value)?)
        }
        _ => PushMessage::Other(value),
    };
    Ok((common, message))
}

fn typed<T: DeserializeOwned>(event: &'static str, value: &Value) -> Result<T, PushError> {
    T::deserialize(value).map_err(|e| PushError::Decode {
        event,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::push::body::parse;
    use serde_json::json;

    fn decode_json(value: Value) -> Result<(Common, PushMessage), PushError> {
        match value {
            Value::Object(map) => decode(map),
            _ => unreachable!(),
        }
    }

    #[test]
    fn media_check_from_json() {
        let (common, message) = decode_json(json!({
            "ToUserName": "gh_38cc49f9733b",
            "FromUserName": "oH1fu0FdHqpToe2T6gBj0WyB8iS1",
            "CreateTime": 1626959646,
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": "wx8f16a5e6c6c0b8c3",
            "trace_id": "60f96f1d-3845297a-1976a3ae",
            "version": 2,
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": "pass", "label": 100, "prob": 90}],
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": "pass", "label": 100}
        }))
        .unwrap();
        assert_eq!(common.create_time, 1626959646);
        assert_eq!(common.event.as_deref(), Some("wxa_media_check"));
        let PushMessage::MediaCheck(check) = message else {
            panic!("{message:?}")
        };
        assert_eq!(check.trace_id, "60f96f1d-3845297a-1976a3ae");
        assert_eq!(check.version, Some(2));
        assert_eq!(
            check.result,
            Some(MediaCheckResult {
                suggest: Suggest::Pass,
                label: 100
            })
        );
        assert_eq!(check.detail.len(), 1);
        assert_eq!(check.detail[0].prob, Some(90));
    }

    #[test]
    fn media_check_from_xml_with_one_and_two_details() {
        let one = b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1626959646</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_media_check]]></Event><appid><![CDATA[wx1]]></appid><trace_id><![CDATA[t-1]]></trace_id><version>2</version><detail><strategy><![CDATA[content_model]]></strategy><errcode>0</errcode><suggest><![CDATA[risky]]></suggest><label>20002</label><prob>97</prob></detail><errcode>0</errcode><errmsg><![CDATA[ok]]></errmsg><result><suggest><![CDATA[risky]]></suggest><label>20002</label></result></xml>";
        let (_, fields) = parse(one).unwrap();
        let (_, message) = decode(fields).unwrap();
        let PushMessage::MediaCheck(check) = message else {
            panic!("{message:?}")
        };
        assert_eq!(check.result.as_ref().unwrap().suggest, Suggest::Risky);
        assert_eq!(check.result.unwrap().label, 20002);
        assert_eq!(check.detail[0].label, Some(20002));

        let two = String::from_utf8(one.to_vec()).unwrap().replace(
            "<errcode>0</errcode><errmsg>",
            "<detail><strategy>keyword</strategy><errcode>-1</errcode></detail><errcode>0</errcode><errmsg>",
        );
        let (_, fields) = parse(two.as_bytes()).unwrap();
        let (_, message) = decode(fields).unwrap();
        let PushMessage::MediaCheck(check) = message else {
            panic!("{message:?}")
        };
        assert_eq!(check.detail.len(), 2);
        assert_eq!(check.detail[1].errcode, -1);
        assert_eq!(check.detail[1].suggest, None);
    }

    #[test]
    fn media_check_download_failure_has_no_result() {
        let (_, message) = decode_json(json!({
            "ToUserName": "gh_1", "FromUserName": "o", "CreateTime": "1", "MsgType": "event",
            "Event": "wxa_media_check", "trace_id": "t", "errcode": -1008, "errmsg": "download failed"
        }))
        .unwrap();
        let PushMessage::MediaCheck(check) = message else {
            panic!("{message:?}")
        };
        assert_eq!(check.errcode, -1008);
        assert_eq!(check.result, None);
        assert!(check.detail.is_empty());
    }

    #[test]
    fn shipping_events() {
        let base = json!({"ToUserName": "gh_1", "FromUserName": "o", "CreateTime": 1700000000, "MsgType": "event"});
        let with = |extra: Value| {
            let mut v = base.clone();
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            decode_json(v).unwrap().1
        };
        assert_eq!(
            with(json!({"Event": "trade_manage_remind_access_api", "msg": "请尽快接入"})),
            PushMessage::RemindAccessApi(RemindAccessApi {
                msg: "请尽快接入".into()
            })
        );
        let PushMessage::RemindShipping(remind) = with(json!({
            "Event": "trade_manage_remind_shipping", "transaction_id": "4200001", "merchant_id": "1230000109",
            "sub_merchant_id": "", "merchant_trade_no": "T1", "pay_time": 1700000000, "msg": "48h"
        })) else {
            panic!()
        };
        assert_eq!(remind.transaction_id, "4200001");
        assert_eq!(remind.pay_time, Some(1700000000));
        let PushMessage::OrderSettlement(settled) = with(json!({
            "Event": "trade_manage_order_settlement", "transaction_id": "4200001", "merchant_id": "1230000109",
            "merchant_trade_no": "T1", "pay_time": 1700000000, "shipped_time": 1700003600,
            "confirm_receive_method": 1, "confirm_receive_time": 1700900000, "settlement_time": 1700990000
        })) else {
            panic!()
        };
        assert_eq!(settled.confirm_receive_method, Some(1));
        assert_eq!(settled.settlement_time, Some(1700990000));
        assert_eq!(settled.estimated_settlement_time, None);
    }

    #[test]
    fn other_messages_stay_raw() {
        let value = json!({"ToUserName": "gh_1", "FromUserName": "o", "CreateTime": 1, "MsgType": "text", "Content": "hi", "MsgId": 7});
        let (common, message) = decode_json(value.clone()).unwrap();
        assert_eq!(common.event, None);
        assert_eq!(message, PushMessage::Other(value));
        // An event name outside the typed four, and a typed name on a non-event.
        let value = json!({"CreateTime": 1, "MsgType": "event", "Event": "user_enter_tempsession"});
        assert_eq!(
            decode_json(value.clone()).unwrap().1,
            PushMessage::Other(value)
        );
        let value = json!({"CreateTime": 1, "MsgType": "text", "Event": "wxa_media_check"});
        assert_eq!(
            decode_json(value.clone()).unwrap().1,
            PushMessage::Other(value)
        );
    }

    #[test]
    fn mistyped_fields_are_typed_errors() {
        let err = decode_json(json!({"MsgType": "text"})).unwrap_err();
        assert!(
            matches!(
                err,
                PushError::Decode {
                    event: "common",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = decode_json(json!({"CreateTime": "soon", "MsgType": "text"})).unwrap_err();
        assert!(
            matches!(
                err,
                PushError::Decode {
                    event: "common",
                    ..
                }
            ),
            "{err:?}"
        );
        let err =
            decode_json(json!({"CreateTime": 1, "MsgType": "event", "Event": "wxa_media_check"}))
                .unwrap_err();
        assert!(err.to_string().contains("trace_id"), "{err}");
        let err = decode_json(json!({
            "CreateTime": 1, "MsgType": "event", "Event": "trade_manage_order_settlement",
            "transaction_id": "1", "pay_time": 1.5
        }))
        .unwrap_err();
        assert!(
            matches!(
                err,
                PushError::Decode {
                    event: "trade_manage_order_settlement",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
