//! The signed parameters a client needs to pay a `prepay_id` under API v3 (uniCloud's
//! `getOrderInfo`): `wx.requestPayment` in a mini program (`signType: "RSA"`) and the
//! App SDK's `PayReq`, each signed with the merchant's API private key (SHA256withRSA)
//! over its fields one per line. Serialised with exactly the names those APIs take.
//!
//! Public docs: <https://developers.weixin.qq.com/miniprogram/dev/api/payment/wx.requestPayment.html>.

use super::Client;
use crate::runtime::signers::wechatpay_v3::{lines, nonce};
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

/// The parameters could not be signed (the merchant key refused; never expected with a
/// key that parsed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign the payment parameters: {0}")]
pub struct ParamsError(String);

/// `wx.requestPayment({timeStamp, nonceStr, package, signType: "RSA", paySign})`, plus
/// `appId` (signed; what JSAPI's `getBrandWCPayRequest` and uniCloud's `orderInfo` take).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MiniProgramPayParams {
    #[serde(rename = "appId")]
    pub app_id: String,
    /// Unix seconds as a string (a number fails on some clients).
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `prepay_id=<id>`
    pub package: String,
    /// Always `RSA` under API v3.
    #[serde(rename = "signType")]
    pub sign_type: String,
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// The App SDK's `PayReq`: `package` is always `Sign=WXPay` and is not signed; the bare
/// `prepayid` is.
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
    /// nonce.
    pub fn mini_program_pay_params(
        &self,
        prepay_id: &str,
    ) -> Result<MiniProgramPayParams, ParamsError> {
        self.mini_program_pay_params_at(prepay_id, &unix_now(), &nonce())
    }

    /// As [`Client::mini_program_pay_params`], with a given timestamp and nonce: `paySign`
    /// over `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub fn mini_program_pay_params_at(
        &self,
        prepay_id: &str,
        time_stamp: &str,
        nonce_str: &str,
    ) -> Result<MiniProgramPayParams, ParamsError> {
        let package = format!("prepay_id={prepay_id}");
        let message = lines(&[
            self.app_id().as_bytes(),
            time_stamp.as_bytes(),
            nonce_str.as_bytes(),
            package.as_bytes(),
        ]);
        Ok(MiniProgramPayParams {
            app_id: self.app_id().to_owned(),
            time_stamp: time_stamp.to_owned(),
            nonce_str: nonce_str.to_owned(),
            package,
            sign_type: "RSA".to_owned(),
            pay_sign: self.signer().sign_message(&message).map_err(ParamsError)?,
        })
    }

    /// The App SDK's parameters for `prepay_id`, signed now with a fresh nonce.
    pub fn app_pay_params(&self, prepay_id: &str) -> Result<AppPayParams, ParamsError> {
        self.app_pay_params_at(prepay_id, &unix_now(), &nonce())
    }

    /// As [`Client::app_pay_params`], with a given timestamp and nonce: `sign` over
    /// `appid\ntimestamp\nnoncestr\nprepayid\n`.
    pub fn app_pay_params_at(
        &self,
        prepay_id: &str,
        timestamp: &str,
        noncestr: &str,
    ) -> Result<AppPayParams, ParamsError> {
        let message = lines(&[
            self.app_id().as_bytes(),
            timestamp.as_bytes(),
            noncestr.as_bytes(),
            prepay_id.as_bytes(),
        ]);
        Ok(AppPayParams {
            appid: self.app_id().to_owned(),
            partnerid: self.mchid().to_owned(),
            prepayid: prepay_id.to_owned(),
            package: "Sign=WXPay".to_owned(),
            noncestr: noncestr.to_owned(),
            timestamp: timestamp.to_owned(),
            sign: self.signer().sign_message(&message).map_err(ParamsError)?,
        })
    }
}

fn unix_now() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}
