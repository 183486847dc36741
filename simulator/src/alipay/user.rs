//! `alipay.user.info.share`: the user an access token was issued for, by its
//! `auth_token` (a common parameter; no `biz_content`).

use super::books::Books;
use super::{refuse, Biz};
use crate::server::{Desk, Reply};
use miniapp::alipay::user::InfoShareError;
use serde_json::Map;

/// The simulated user's public profile; no personal data (mobile, certificate) is
/// answered, as an app without the further products gets none.
pub(super) fn info_share(desk: &mut Desk<'_>, _biz: &Biz) -> Result<Reply, Reply> {
    let token = desk.field("auth_token").unwrap_or_default();
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
    let mut out = Map::new();
    out.insert("user_id".into(), user.user_id.as_str().into());
    out.insert("open_id".into(), user.open_id.as_str().into());
    out.insert("nick_name".into(), format!("模拟用户{tail}").into());
    out.insert(
        "avatar".into(),
        format!("https://tfs.alipayobjects.com/images/partner/sim{tail}").into(),
    );
    out.insert("gender".into(), "F".into());
    out.insert("province".into(), "浙江省".into());
    out.insert("city".into(), "杭州市".into());
    out.insert("is_certified".into(), "T".into());
    out.insert("is_student_certified".into(), "F".into());
    out.insert("user_type".into(), "2".into());
    out.insert("user_status".into(), "T".into());
    Ok(Reply::Done(out))
}
