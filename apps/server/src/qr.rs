//! QR codes as PNG images (the Credentials API) and SVG images (the security service's
//! `/totp`): qrcodegen for the symbol, png for the PNG file.

use latchkey_core::BoxError;
use qrcodegen::{QrCode, QrCodeEcc};

/// Pixels per module: 8 makes a 41-module code (an otpauth URI) about 400 px wide.
const SCALE: usize = 8;
/// Quiet zone, in modules (the QR standard asks for 4).
const BORDER: usize = 4;

/// A black-on-white PNG of `text` as a QR code (error correction M).
pub fn png(text: &str) -> Result<Vec<u8>, BoxError> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium)?;
    let modules = usize::try_from(qr.size())?;
    let side = (modules + 2 * BORDER) * SCALE;
    // One bit per pixel (1 = white), rows padded to whole bytes: an eighth of the bytes of 8-bit
    // grey to compress, for the same image.
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0xffu8; row_bytes * side];
    for y in 0..modules {
        for x in 0..modules {
            if !qr.get_module(i32::try_from(x)?, i32::try_from(y)?) {
                continue;
            }
            for dy in 0..SCALE {
                let row = (BORDER + y) * SCALE + dy;
                for dx in 0..SCALE {
                    let column = (BORDER + x) * SCALE + dx;
                    pixels[row * row_bytes + column / 8] &= !(0x80 >> (column % 8));
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side)?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

/// A black-on-white SVG of `text` as a QR code (error correction M), one square per dark
/// module in a single path, a quiet zone of 4 modules: what owsec's `/totp` answers. Nothing
/// in it but the path: no script, no reference to anything outside.
pub fn svg(text: &str) -> Result<String, BoxError> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium)?;
    let modules = qr.size();
    let border = i32::try_from(BORDER)?;
    let side = modules + 2 * border;
    let mut path = String::new();
    for y in 0..modules {
        for x in 0..modules {
            if qr.get_module(x, y) {
                if !path.is_empty() {
                    path.push(' ');
                }
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {side} {side}\" \
         stroke=\"none\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n\
         <path d=\"{path}\" fill=\"#000000\"/>\n</svg>\n"
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    #[test]
    fn the_png_is_a_square_one_bit_grey_image() {
        let png =
            super::png("otpauth://totp/Yoigo:ana@example.com?secret=GEZDGNBVGY3TQOJQ").unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.bit_depth, png::BitDepth::One);
        assert_eq!(info.width % 8, 0);
    }

    #[test]
    fn the_svg_has_one_square_per_dark_module_and_nothing_active() {
        let text = "otpauth://totp/OpenWiFi:ana@example.com?secret=GEZDGNBVGY3TQOJQ";
        let svg = super::svg(text).unwrap();
        let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).unwrap();
        let dark = (0..qr.size())
            .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.get_module(x, y))
            .count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
        let side = qr.size() + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        assert!(!svg.contains("script") && !svg.contains("href"), "{svg}");
    }
}
