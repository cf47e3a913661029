//! QR codes as PNG images: qrcodegen for the symbol, png for the file.

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
}
