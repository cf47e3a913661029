//! A readable name for a user agent ("Chrome on macOS"), from woothee's classification.

/// The alias of `user_agent`: browser and operating system, or what is known of them.
pub fn alias_of(user_agent: &str) -> String {
    if user_agent.trim().is_empty() {
        return "Unknown device".to_owned();
    }
    let Some(found) = woothee::parser::Parser::new().parse(user_agent) else {
        return "Unknown browser".to_owned();
    };
    let browser = match found.name {
        "UNKNOWN" | "" => None,
        "Internet Explorer" => Some("Internet Explorer"),
        name => Some(name),
    };
    let os = match found.os {
        "UNKNOWN" | "" => None,
        "Mac OSX" => Some("macOS"),
        "iPhone" | "iPad" | "iPod" => Some("iOS"),
        os => Some(os),
    };
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(o)) => format!("A browser on {o}"),
        (None, None) => "Unknown browser".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::alias_of;

    #[test]
    fn common_agents_read_well() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(alias_of(chrome_mac), "Chrome on macOS");
        let firefox_linux =
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(alias_of(firefox_linux), "Firefox on Linux");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
                             AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(alias_of(safari_iphone), "Safari on iOS");
        assert_eq!(alias_of(""), "Unknown device");
    }
}
