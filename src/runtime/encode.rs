//! The one encode step: an endpoint's request, the client's credentials and a token
//! become the [`WireRequest`] that is sent. The endpoint's fixed parameters and auth
//! pairs are placed once (the query when there is no body, else the body); a signed
//! body is signed over exactly the fields that are sent; a header-signing scheme then
//! sees the whole request.

use super::signers::Signer;
use super::wire::{WireBody, WireRequest};
use super::{Auth, BodyKind, Core, Credential, Endpoint, Error, Platform, Query};
use bytes::Bytes;
use serde_json::{Map, Value};

/// Wire parameters placed beside the request's own fields (auth pairs, constants).
type Extra = Vec<(&'static str, String)>;

/// Encodes `request` for the wire: URL with path parameters and query, body, and the
/// scheme's signature where the endpoint is signed. `token` is the access token of a
/// token-authenticated endpoint.
pub(crate) fn encode<P: Platform, E: Endpoint>(
    core: &Core<P>,
    signer: &P::Signer,
    request: &E,
    token: Option<&str>,
) -> Result<WireRequest, Error<E::Error>> {
    // Room for the auth pair, the constants and the fields, so the query never regrows.
    let mut query: Query = Vec::with_capacity(8);
    let mut extra: Extra = Vec::new();
    match E::AUTH {
        Auth::AccessToken { name } => {
            if let Some(token) = token {
                query.push((name, token.to_owned()));
            }
        }
        Auth::AppSecret {
            app_id,
            secret,
            in_body,
        } => {
            let pairs = [
                (app_id, core.credentials.app_id().to_owned()),
                (secret, core.credentials.secret().expose().clone()),
            ];
            if in_body {
                extra.extend(pairs);
            } else {
                query.extend(pairs);
            }
        }
        Auth::Sign { .. } | Auth::SignedRequest { .. } | Auth::None => {}
    }
    for filled in E::FILLED {
        let value = match filled.from {
            Credential::AppId => core.credentials.app_id(),
            Credential::MerchantId => core.credentials.merchant_id(),
        };
        let pair = (filled.wire, value.to_owned());
        if filled.in_query {
            query.push(pair);
        } else {
            extra.push(pair);
        }
    }
    let constants = E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned()));
    if E::BODY == BodyKind::None {
        query.extend(constants);
        query.append(&mut extra);
    } else {
        extra.extend(constants);
    }
    request.write_query(&mut query);

    let mut wire = url::<P, E>(core, request, &query)?;
    wire.client_cert = E::CLIENT_CERT;
    wire.body = body(signer, request, extra)?;
    if E::AUTH.is_signed() {
        signer
            .sign_request(&mut wire)
            .map_err(|reason| encode_error::<E>(reason))?;
    }
    Ok(wire)
}

/// The body of a signed call exactly as it is sent — its fields (packed where the
/// endpoint packs them), its constants, the sign scheme's common fields and the sign —
/// without the URL: what a platform's client-side SDK takes where the server only signs
/// (Alipay's App order string).
pub(crate) fn signed_fields<S: Signer, E: Endpoint>(
    signer: &S,
    request: &E,
) -> Result<Map<String, Value>, Error<E::Error>> {
    let constants = E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned()));
    assembled(signer, request, constants.collect())
}

/// Base URL (the endpoint's named host, if any), path with its parameters, query. The
/// base was parsed once, with the client; only the path and query are new.
fn url<P: Platform, E: Endpoint>(
    core: &Core<P>,
    request: &E,
    query: &Query,
) -> Result<WireRequest, Error<E::Error>> {
    let base = core.transport.base(E::HOST).map_err(encode_error::<E>)?;
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    let mut path = String::with_capacity(prefix.len() + E::PATH.len() + 32);
    path.push_str(prefix);
    request.write_path(&mut path);
    url.set_path(&path);
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    Ok(WireRequest::new(E::NAME, E::METHOD, url))
}

/// The body by the endpoint's kind; `extra` (auth pairs and constants) beside the
/// request's fields.
fn body<S: Signer, E: Endpoint>(
    signer: &S,
    request: &E,
    extra: Extra,
) -> Result<WireBody, Error<E::Error>> {
    let assembled_fields = matches!(E::AUTH, Auth::Sign { .. }) || E::PACK_INTO.is_some();
    let bytes = |content_type, bytes: Vec<u8>| WireBody::Bytes {
        content_type,
        bytes: Bytes::from(bytes),
    };
    Ok(match E::BODY {
        BodyKind::None => WireBody::None,
        BodyKind::Multipart => {
            let mut parts = request.multipart();
            let texts = extra
                .into_iter()
                .map(|(k, v)| (k, super::MultipartValue::Text(v)));
            parts.parts.splice(0..0, texts);
            // A choice that travels in the query (img_url instead of an upload) leaves
            // nothing for the body: send none rather than an empty multipart.
            if parts.parts.is_empty() {
                WireBody::None
            } else {
                WireBody::Multipart(parts)
            }
        }
        BodyKind::Json if !assembled_fields && extra.is_empty() => {
            let json = serde_json::to_vec(request).map_err(|e| encode_error::<E>(e.to_string()))?;
            bytes(JSON, json)
        }
        BodyKind::Json => {
            let fields = match assembled_fields {
                true => assembled(signer, request, extra)?,
                false => with_extra(object(request)?, extra),
            };
            let json = serde_json::to_vec(&fields).map_err(|e| encode_error::<E>(e.to_string()))?;
            bytes(JSON, json)
        }
        BodyKind::Form if assembled_fields => {
            let fields = assembled(signer, request, extra)?;
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &fields {
                form.append_pair(k, &form_text(v));
            }
            bytes(FORM, form.finish().into_bytes())
        }
        BodyKind::Form => {
            // The request's fields in their declared order, then the extra parameters.
            let mut form = serde_urlencoded::to_string(request)
                .map_err(|e| encode_error::<E>(e.to_string()))?;
            if !extra.is_empty() {
                if !form.is_empty() {
                    form.push('&');
                }
                let start = form.len();
                let mut pairs = form_urlencoded::Serializer::for_suffix(form, start);
                pairs.extend_pairs(extra.iter().map(|(k, v)| (*k, v.as_str())));
                form = pairs.finish();
            }
            bytes(FORM, form.into_bytes())
        }
        BodyKind::Xml => {
            let fields = match assembled_fields {
                true => assembled(signer, request, extra)?,
                false => texts(with_extra(object(request)?, extra)),
            };
            let body = super::xml::write_flat(fields.iter().map(|(k, v)| {
                let text = v.as_str().unwrap_or_default();
                (k.as_str(), text)
            }));
            bytes(XML, body.into_bytes())
        }
    })
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const XML: &str = "text/xml; charset=utf-8";

/// The fields of a packed or signed body, as sent: the request's fields (packed into
/// one JSON text where the endpoint packs them), `extra` beside them, every value as
/// text for forms and XML (a signature covers exactly that text), and — on a signed
/// endpoint — the scheme's common fields and the sign.
fn assembled<S: Signer, E: Endpoint>(
    signer: &S,
    request: &E,
    extra: Extra,
) -> Result<Map<String, Value>, Error<E::Error>> {
    let mut fields = object(request)?;
    if let Some(into) = E::PACK_INTO {
        let (top, packed): (Map<_, _>, Map<_, _>) = fields
            .into_iter()
            .partition(|(name, _)| E::UNPACKED.contains(&name.as_str()));
        fields = top;
        let text = serde_json::to_string(&packed).map_err(|e| encode_error::<E>(e.to_string()))?;
        fields.insert(into.to_owned(), Value::String(text));
    }
    fields = with_extra(fields, extra);
    fields = match E::BODY {
        BodyKind::Json => fields,
        BodyKind::Form | BodyKind::Xml => texts(fields),
        _ => {
            return Err(encode_error::<E>(
                "sign schemes and packed fields need JSON, form or XML bodies".into(),
            ))
        }
    };
    if let Auth::Sign { field, .. } = E::AUTH {
        match E::SIGN_COMMON_FIELDS {
            None => signer.prepare(&mut fields),
            Some(keep) => {
                let mut common = Map::new();
                signer.prepare(&mut common);
                common.retain(|name, _| keep.contains(&name.as_str()));
                fields.extend(common);
            }
        }
        let sign = signer
            .sign(&fields)
            .map_err(|reason| encode_error::<E>(reason))?;
        fields.insert(field.to_owned(), Value::String(sign));
    }
    Ok(fields)
}

/// The request as one JSON object.
fn object<E: Endpoint>(request: &E) -> Result<Map<String, Value>, Error<E::Error>> {
    match serde_json::to_value(request) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(encode_error::<E>("the request is not a JSON object".into())),
        Err(e) => Err(encode_error::<E>(e.to_string())),
    }
}

fn with_extra(mut fields: Map<String, Value>, extra: Extra) -> Map<String, Value> {
    for (name, value) in extra {
        fields.insert(name.to_owned(), Value::String(value));
    }
    fields
}

/// Every value as its text (forms and XML send nothing else).
fn texts(fields: Map<String, Value>) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(_) => (k, v),
            other => (k, Value::String(form_text(&other))),
        })
        .collect()
}

/// A form field's text: strings as they are, anything else as its JSON text.
pub fn form_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Appends `value` to a URL path as one segment, percent-encoded: everything but the
/// unreserved characters of RFC 3986, so that a value can never add a segment, a query
/// or a fragment. Generated `write_path` implementations call this.
pub fn push_path_segment(path: &mut String, value: &str) {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    path.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
}

fn encode_error<E: Endpoint>(reason: String) -> Error<E::Error> {
    Error::Encode {
        endpoint: E::NAME,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape_their_segment() {
        let mut path = String::from("/v3/x/");
        push_path_segment(&mut path, "a/b?c#d e%");
        assert_eq!(path, "/v3/x/a%2Fb%3Fc%23d%20e%25");
        let mut path = String::new();
        push_path_segment(&mut path, "4200000985202103031441826014-_.~订");
        assert_eq!(path, "4200000985202103031441826014-_.~%E8%AE%A2");
    }
}
