//! `alipay.system.oauth.token`: auth codes and refresh tokens exchanged for tokens.

use super::books::Books;
use super::books::User;
use super::read;
use super::{
    answer, now, refuse, Biz, ACCESS_TOKEN_LIFETIME, INVALID_AUTH_CODE, REFRESH_TOKEN_LIFETIME,
};
use crate::engine::{Desk, Reply};
use miniapp::alipay::auth::{
    Code2SessionError, Code2SessionRequest, Code2SessionResponse, RefreshTokenError,
    RefreshTokenRequest,
};
use miniapp::runtime::Secret;

/// `grant_type=authorization_code`: a code never exchanged before names its user.
pub(super) fn code2_session(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let invalid = |desk: &Desk<'_>| {
        refuse(
            desk,
            Code2SessionError::CodeInvalid {
                message: "授权码错误、状态不对或过期".into(),
            },
        )
    };
    let request: Code2SessionRequest = read(desk, biz)?;
    let code = request.code;
    if code.is_empty()
        || code == INVALID_AUTH_CODE
        || !desk.state.merchant_mut::<Books>()?.use_code(&code)
    {
        return Err(invalid(desk));
    }
    let user = User::of_code(&code, desk.app_id());
    Ok(grant(desk, user))
}

/// `grant_type=refresh_token`: a refresh token issued and not used yet, for new tokens
/// of the same user.
pub(super) fn refresh_token(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: RefreshTokenRequest = read(desk, biz)?;
    let token = request.refresh_token.expose();
    let user = desk.state.merchant_mut::<Books>()?.take_grant(token);
    match user {
        Some(user) => Ok(grant(desk, user)),
        None => Err(refuse(
            desk,
            RefreshTokenError::RefreshTokenInvalid {
                message: "刷新令牌错误或状态不对".into(),
            },
        )),
    }
}

/// Fresh tokens for `user`; the refresh token is recorded for one refresh. Both token
/// endpoints answer the same fields (`auth.code2Session`'s response type).
fn grant(desk: &mut Desk<'_>, user: User) -> Reply {
    let books = match desk.state.merchant_mut::<Books>() {
        Ok(books) => books,
        Err(broken) => return broken,
    };
    let access_token = books.token("authusrB");
    let refresh_token = books.token("authusrR");
    books.grant(refresh_token.clone(), user.clone());
    books.grant_access(access_token.clone(), user.clone());
    let granted = Code2SessionResponse {
        user_id: Some(user.user_id),
        open_id: Some(user.open_id),
        union_id: None,
        access_token: Some(Secret::new(access_token)),
        expires_in: Some(ACCESS_TOKEN_LIFETIME),
        refresh_token: Some(Secret::new(refresh_token)),
        re_expires_in: Some(REFRESH_TOKEN_LIFETIME),
        auth_start: Some(now()),
        auth_token_type: None,
    };
    answer(&granted).unwrap_or_else(|broken| broken)
}
