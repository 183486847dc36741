//! The signed parameters a client needs to pay a `prepay_id` (uniCloud's
//! `getOrderInfo`): `wx.requestPayment` / `uni.requestPayment` in a mini program, and
//! the App SDK. Serialised with exactly the names those APIs take.

use super::Client;
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// `wx.requestPayment({timeStamp, nonceStr, package, signType, paySign})`, plus `appId`
/// (signed, and what `uni.requestPayment`'s `orderInfo` carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MiniProgramPayParams {
    #[serde(rename = "appId")]
    pub app_id: String,
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `prepay_id=<id>`
    pub package: String,
    #[serde(rename = "signType")]
    pub sign_type: String,
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// The App SDK's `PayReq`: `package` is always `Sign=WXPay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppPayParams {
    pub appid: String,
    pub partnerid: String,
    pub prepayid: String,
    pub package: String,
    pub noncestr: String,
    pub timestamp: String,
    pub sign: String,
}

impl Client {
    /// The parameters of `wx.requestPayment` for `prepay_id`, signed now with a fresh
    /// nonce (the client's `sign_type`).
    pub fn mini_program_pay_params(&self, prepay_id: &str) -> MiniProgramPayParams {
        self.mini_program_pay_params_at(prepay_id, &unix_now(), &nonce())
    }

    /// As [`Client::mini_program_pay_params`], with a given timestamp and nonce.
    pub fn mini_program_pay_params_at(
        &self,
        prepay_id: &str,
        time_stamp: &str,
        nonce_str: &str,
    ) -> MiniProgramPayParams {
        let sign_type = self.signer().sign_type();
        let mut params = MiniProgramPayParams {
            app_id: self.app_id().to_owned(),
            time_stamp: time_stamp.to_owned(),
            nonce_str: nonce_str.to_owned(),
            package: format!("prepay_id={prepay_id}"),
            sign_type: sign_type.as_str().to_owned(),
            pay_sign: String::new(),
        };
        params.pay_sign = self.signer().sign_with(&fields_of(&params), sign_type);
        params
    }

    /// The App SDK's parameters for `prepay_id`, signed now with a fresh nonce.
    pub fn app_pay_params(&self, prepay_id: &str) -> AppPayParams {
        self.app_pay_params_at(prepay_id, &unix_now(), &nonce())
    }

    /// As [`Client::app_pay_params`], with a given timestamp and nonce.
    pub fn app_pay_params_at(
        &self,
        prepay_id: &str,
        timestamp: &str,
        noncestr: &str,
    ) -> AppPayParams {
        let mut params = AppPayParams {
            appid: self.app_id().to_owned(),
            partnerid: self.mch_id().to_owned(),
            prepayid: prepay_id.to_owned(),
            package: "Sign=WXPay".to_owned(),
            noncestr: noncestr.to_owned(),
            timestamp: timestamp.to_owned(),
            sign: String::new(),
        };
        params.sign = self
            .signer()
            .sign_with(&fields_of(&params), self.signer().sign_type());
        params
    }
}

/// The serialised fields (their wire names) that the sign covers: all but the sign,
/// which is still empty and so left out of the string to sign.
fn fields_of<T: Serialize>(params: &T) -> Map<String, Value> {
    match serde_json::to_value(params) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn unix_now() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

fn nonce() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}
