//! A real, small PNG built at startup: what the simulator's binary endpoints answer.
//!
//! 21×21 pixels, 8-bit greyscale, a QR-code-like pattern (three finder squares), stored
//! in an uncompressed ("stored") zlib stream. Every chunk carries its correct CRC-32 and
//! the zlib stream its Adler-32, so any PNG decoder accepts it.

use std::sync::OnceLock;

/// The 8-byte PNG signature every PNG file starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Width and height of the simulator's image, in pixels.
pub const PNG_SIZE: u32 = 21;

/// The simulator's PNG (built once).
pub fn demo_png() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(build)
}

fn build() -> Vec<u8> {
    let n = PNG_SIZE as usize;
    // Scanlines: a filter byte (0 = none) then one grey byte per pixel.
    let mut raw = Vec::with_capacity(n * (n + 1));
    for y in 0..n {
        raw.push(0);
        for x in 0..n {
            raw.push(if dark(x, y, n) { 0x00 } else { 0xff });
        }
    }

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&PNG_SIZE.to_be_bytes());
    ihdr.extend_from_slice(&PNG_SIZE.to_be_bytes());
    // bit depth 8, colour type 0 (greyscale), compression 0, filter 0, no interlace
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);

    let mut png = PNG_SIGNATURE.to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A QR-code-like pattern: finder squares in three corners, a checker elsewhere.
fn dark(x: usize, y: usize, n: usize) -> bool {
    let finder = |fx: usize, fy: usize| -> Option<bool> {
        let (dx, dy) = (x.checked_sub(fx)?, y.checked_sub(fy)?);
        if dx >= 7 || dy >= 7 {
            return None;
        }
        let ring = dx.min(dy).min(6 - dx).min(6 - dy);
        Some(ring != 1)
    };
    finder(0, 0)
        .or_else(|| finder(n - 7, 0))
        .or_else(|| finder(0, n - 7))
        .unwrap_or((x * 7 + y * 3) % 5 < 2 && x > 7 && y > 7)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of "stored" (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65_535).collect()
    };
    let last = blocks.len() - 1;
    for (i, block) in blocks.into_iter().enumerate() {
        out.push(u8::from(i == last));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// CRC-32 (ISO-HDLC, as PNG uses it).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn png_is_well_formed() {
        let png = demo_png();
        assert_eq!(&png[..8], &PNG_SIGNATURE);
        // Walk the chunks and check every CRC.
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let body = &png[at + 4..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc32(body), crc);
            kinds.push(String::from_utf8_lossy(&body[..4]).into_owned());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        assert_eq!(at, png.len());
        // IHDR: 21×21.
        assert_eq!(&png[16..24], &[0, 0, 0, 21, 0, 0, 0, 21]);
    }
}
