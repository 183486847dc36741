//! `alipay.user.info.share`: the user an access token was issued for, by its
//! `auth_token` (a common parameter; no `biz_content`).

use super::answer;
use super::books::Books;
use super::read;
use super::{refuse, Biz};
use crate::engine::{Desk, Reply};
use miniapp::alipay::user::{InfoShareError, InfoShareRequest, InfoShareResponse};

/// The simulated user's public profile; no personal data (mobile, certificate) is
/// answered, as an app without the further products gets none.
pub(super) fn info_share(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: InfoShareRequest = read(desk, biz)?;
    let token = request.auth_token.expose().clone();
    let user = match desk.state.merchant::<Books>()?.access_user(&token) {
        Ok(user) => user.clone(),
        Err(true) => {
            return Err(refuse(
                desk,
                InfoShareError::AuthTokenTimeOut {
                    message: "访问令牌已过期".into(),
                },
            ))
        }
        Err(false) => {
            return Err(refuse(
                desk,
                InfoShareError::InvalidAuthToken {
                    message: "无效的访问令牌".into(),
                },
            ))
        }
    };
    let tail = &user.user_id[user.user_id.len().saturating_sub(4)..];
    let profile = InfoShareResponse {
        user_id: Some(user.user_id.clone()),
        open_id: Some(user.open_id.clone()),
        avatar: Some(format!(
            "https://tfs.alipayobjects.com/images/partner/sim{tail}"
        )),
        nick_name: Some(format!("模拟用户{tail}")),
        gender: Some("F".to_owned()),
        province: Some("浙江省".to_owned()),
        city: Some("杭州市".to_owned()),
        area: None,
        country_code: None,
        is_certified: Some("T".to_owned()),
        is_student_certified: Some("F".to_owned()),
        user_type: Some("2".to_owned()),
        user_status: Some("T".to_owned()),
        // Personal data needs further products: an app without them gets none.
        user_name: None,
        cert_type: None,
        cert_no: None,
        mobile: None,
        phone: None,
        email: None,
        person_birthday: None,
    };
    answer(&profile)
}
