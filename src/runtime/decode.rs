//! Turning a complete HTTP answer into the endpoint's response or error, for platforms
//! whose status travels next to the payload (`errcode` style).

use super::envelope::read_status;
use super::{Endpoint, Envelope, Error, FromErrcode, Media, RawResponse, Response, ResponseKind};

/// An undecodable answer, keeping its status and the start of its body (the endpoint
/// name is filled in by [`with_endpoint`]).
pub fn decode_error<E>(raw: &RawResponse, reason: String) -> Error<E> {
    Error::Decode {
        endpoint: "",
        status: raw.status,
        reason,
        body: raw.snippet(),
    }
}

/// A non-success HTTP status, keeping the start of the body.
pub fn status_error<E>(raw: &RawResponse) -> Error<E> {
    Error::Status {
        endpoint: "",
        status: raw.status,
        body: raw.snippet(),
    }
}

/// Decodes an `errcode`-style answer for endpoint `E`.
pub fn errcode<E>(envelope: &Envelope, raw: RawResponse) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    with_endpoint(E::NAME, errcode_inner::<E>(envelope, raw))
}

fn errcode_inner<E>(envelope: &Envelope, raw: RawResponse) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    let ok_status = (200..300).contains(&raw.status);
    let looks_json =
        raw.is_json() || raw.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let kind = <E::Response as Response>::KIND;
    if kind != ResponseKind::Json && !looks_json {
        if !ok_status {
            return Err(status_error(&raw));
        }
        if kind == ResponseKind::Text {
            return <E::Response as Response>::from_json(&raw.body)
                .map_err(|e| decode_error(&raw, e.to_string()));
        }
        let media = Media {
            content_type: raw
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            bytes: raw.body.clone(),
        };
        return <E::Response as Response>::from_media(media)
            .ok_or_else(|| decode_error(&raw, "binary body for a JSON endpoint".into()));
    }
    let status = match read_status(envelope, &raw.body) {
        Ok(s) => s,
        Err(_) if !ok_status => return Err(status_error(&raw)),
        Err(e) => return Err(decode_error(&raw, format!("expected a JSON object: {e}"))),
    };
    if let Some(code) = status.error_code(envelope) {
        return Err(Error::Api {
            endpoint: "",
            source: E::Error::from_errcode(code, status.message.unwrap_or_default()),
        });
    }
    if !ok_status {
        return Err(status_error(&raw));
    }
    <E::Response as Response>::from_json(&raw.body).map_err(|e| decode_error(&raw, e.to_string()))
}

/// Fills in the endpoint name (kept out of the helpers above so they stay generic).
pub fn with_endpoint<T, E>(endpoint: &'static str, r: Result<T, Error<E>>) -> Result<T, Error<E>> {
    r.map_err(|e| match e {
        Error::Decode {
            status,
            reason,
            body,
            ..
        } => Error::Decode {
            endpoint,
            status,
            reason,
            body,
        },
        Error::Status { status, body, .. } => Error::Status {
            endpoint,
            status,
            body,
        },
        Error::Api { source, .. } => Error::Api { endpoint, source },
        other => other,
    })
}
