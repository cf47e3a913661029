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
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            let dark = qr.get_module(i32::try_from(x)?, i32::try_from(y)?);
            if !dark {
                continue;
            }
            for dy in 0..SCALE {
                let row = (BORDER + y) * SCALE + dy;
                let start = row * side + (BORDER + x) * SCALE;
                pixels[start..start + SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side)?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}
