//! What an uploaded avatar is, read from its bytes alone: the type a client declares (a
//! multipart part's `Content-Type`, a file name's extension) is never trusted, so a PNG sent as
//! `image/svg+xml` is a PNG and a script sent as `image/png` is nothing.
//!
//! - PNG, JPEG and GIF by their magic numbers (PNG §5.2, JFIF's SOI marker followed by another
//!   marker, GIF's `GIF87a`/`GIF89a` header).
//! - SVG by its shape: UTF-8 text that is an XML document (an optional BOM, XML declaration,
//!   comments and processing instructions before it) whose root element is `<svg` and which
//!   ends by closing it. A document type declaration is accepted only without an internal
//!   subset (`<!DOCTYPE svg PUBLIC "..." "...">`, as drawing tools still write): an internal
//!   subset can declare entities (expansion bombs in the browser that renders it, external
//!   entities), and no avatar needs one.
//!
//! Whatever an SVG contains (a `<script>`, event handlers) is not this module's concern: it is
//! served so that no browser runs it (the security service's `Content-Security-Policy` with
//! `sandbox`, and `nosniff`).

use crate::ImageType;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const GIF87: &[u8] = b"GIF87a";
const GIF89: &[u8] = b"GIF89a";

impl ImageType {
    /// The type of `bytes`, sniffed; `None` for anything but a PNG, JPEG, GIF or SVG image.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(PNG) && bytes.len() > PNG.len() {
            Some(ImageType::Png)
        } else if is_jpeg(bytes) {
            Some(ImageType::Jpeg)
        } else if (bytes.starts_with(GIF87) || bytes.starts_with(GIF89))
            && bytes.len() > GIF89.len()
        {
            Some(ImageType::Gif)
        } else if is_svg(bytes) {
            Some(ImageType::Svg)
        } else {
            None
        }
    }
}

/// SOI (`FF D8`) then the start of another marker (`FF`), as every JPEG begins.
fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.len() > 3 && bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// Whether `bytes` look like a well-formed SVG document (see the module's documentation).
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if text.contains('\0') {
        return false;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(root) = skip_prolog(text) else {
        return false;
    };
    is_svg_start_tag(root) && closes_svg(root)
}

/// The document after its prolog (white space, the XML declaration, comments, processing
/// instructions, a document type declaration without an internal subset); `None` when the
/// prolog is unterminated or holds anything else.
fn skip_prolog(mut text: &str) -> Option<&str> {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix("<?") {
            text = &rest[rest.find("?>")? + 2..];
        } else if let Some(rest) = text.strip_prefix("<!--") {
            text = &rest[rest.find("-->")? + 3..];
        } else if let Some(rest) = text.strip_prefix("<!DOCTYPE") {
            let end = rest.find('>')?;
            // An internal subset (`[...]`) could declare entities.
            if rest[..end].contains('[') {
                return None;
            }
            text = &rest[end + 1..];
        } else if text.starts_with("<!") {
            return None;
        } else {
            return Some(text);
        }
    }
}

/// `<svg` followed by white space, `>` or `/`: the root element is `svg` (without a prefix,
/// as browsers require of a standalone SVG in the SVG namespace).
fn is_svg_start_tag(root: &str) -> bool {
    root.strip_prefix("<svg").is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
    })
}

/// The document ends (trailing white space and comments aside) by closing its root: `</svg>`
/// (white space allowed before `>`), or `/>` for an empty root.
fn closes_svg(root: &str) -> bool {
    let mut end = root.trim_end();
    while let Some(before) = end.strip_suffix("-->") {
        let Some(start) = before.rfind("<!--") else {
            return false;
        };
        end = before[..start].trim_end();
    }
    let Some(before) = end.strip_suffix('>') else {
        return false;
    };
    let before = before.trim_end();
    if before.ends_with("</svg") {
        return true;
    }
    // An empty root: its only tag is the start tag, closed by `/>`.
    before.ends_with('/') && !root[1..].contains('<')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>"#;

    #[test]
    fn raster_types_are_known_by_their_magic_numbers() {
        let png = [PNG, b"\0\0\0\rIHDR"].concat();
        assert_eq!(ImageType::sniff(&png), Some(ImageType::Png));
        assert_eq!(
            ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(ImageType::sniff(b"GIF89a\x01\0"), Some(ImageType::Gif));
        assert_eq!(ImageType::sniff(b"GIF87a\x01\0"), Some(ImageType::Gif));
        // A magic number alone is no image.
        assert_eq!(ImageType::sniff(PNG), None);
        assert_eq!(ImageType::sniff(b"GIF89a"), None);
        assert_eq!(ImageType::sniff(&[0xFF, 0xD8]), None);
    }

    #[test]
    fn svg_documents_are_known_by_their_root() {
        assert_eq!(ImageType::sniff(SVG.as_bytes()), Some(ImageType::Svg));
        let with_prolog = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n{SVG}\n<!-- end -->\n"
        );
        assert_eq!(
            ImageType::sniff(with_prolog.as_bytes()),
            Some(ImageType::Svg)
        );
        let doctype = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n{SVG}"
        );
        assert_eq!(ImageType::sniff(doctype.as_bytes()), Some(ImageType::Svg));
        assert_eq!(
            ImageType::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some(ImageType::Svg)
        );
        assert_eq!(
            ImageType::sniff(b"<svg>\n<script>alert(1)</script>\n</svg >"),
            Some(ImageType::Svg),
            "script is neutralised when served, not here"
        );
    }

    #[test]
    fn other_text_is_no_image() {
        for text in [
            "hello, world",
            "",
            "<html><body><svg></svg></body></html>",
            "<svgx></svgx>",
            "<svg><rect/>",
            "<svg><rect/></svg> trailing text",
            "<svg/><script>alert(1)</script>",
            "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg>&a;</svg>",
            "<!DOCTYPE svg SYSTEM \"x.dtd\" [<!ENTITY a \"a\">]><svg>&a;</svg>",
            "<!DOCTYPE svg unterminated <svg></svg",
            "<!ELEMENT svg ANY><svg></svg>",
            "<!-- unterminated <svg></svg>",
            "<?xml unterminated <svg></svg>",
            "<svg>\0</svg>",
        ] {
            assert_eq!(ImageType::sniff(text.as_bytes()), None, "{text:?}");
        }
        assert_eq!(ImageType::sniff(b"<svg>\xff\xfe</svg>"), None, "not UTF-8");
    }
}
