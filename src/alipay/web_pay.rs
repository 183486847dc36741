//! The auto-submitting form of the web payments (`alipay.trade.wap.pay`,
//! `alipay.trade.page.pay`): the signed parameters as hidden inputs of a form POSTed
//! to the gateway by a script as soon as the page loads.

/// `<form …><input type="hidden" …>…</form><script>…</script>`, every attribute value
/// HTML-escaped (a value can neither close its attribute nor add an element).
pub(super) fn auto_submit_form(action: &str, params: &[(String, String)]) -> String {
    let mut html = String::with_capacity(
        256 + params
            .iter()
            .map(|(k, v)| k.len() + v.len() + 48)
            .sum::<usize>(),
    );
    html.push_str("<form id=\"alipaysubmit\" name=\"alipaysubmit\" method=\"POST\" action=\"");
    escape_into(&mut html, action);
    html.push_str("\">\n");
    for (name, value) in params {
        html.push_str("<input type=\"hidden\" name=\"");
        escape_into(&mut html, name);
        html.push_str("\" value=\"");
        escape_into(&mut html, value);
        html.push_str("\">\n");
    }
    html.push_str("<input type=\"submit\" value=\"ok\" style=\"display:none;\">\n</form>\n");
    html.push_str("<script>document.forms['alipaysubmit'].submit();</script>");
    html
}

/// Appends `text` with `&`, `<`, `>`, `"` and `'` as character references.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_break_out_of_their_attribute() {
        let params = vec![(
            "biz_content".to_owned(),
            r#"{"subject":"\"><script>alert(1)</script>&'"}"#.to_owned(),
        )];
        let html = auto_submit_form("https://gw/gateway.do?charset=utf-8&x=\"", &params);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;"),
            "{html}"
        );
        assert!(
            html.contains(r#"action="https://gw/gateway.do?charset=utf-8&amp;x=&quot;""#),
            "{html}"
        );
        assert_eq!(html.matches("<script>").count(), 1);
        assert_eq!(html.matches('"').count() % 2, 0);
    }
}
