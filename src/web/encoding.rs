//! JSON answers as they are sent: gzipped to clients that take gzip, once
//! per answer kept, and from one buffer a slice at a time. At national
//! scale every course's demand is 8.7 MB of JSON and a page of 50 courses
//! about 300 kB; gzipped they are a fifteenth of that, which is what a
//! coordinator's own system on a municipal network feels, and what let the
//! server answer several times as many of them a second.

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, AcceptEncoding, ContentType, Encoding, Header};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::error::AppError;

/// Answers shorter than this are sent plain: less than a network packet,
/// gzip would save little of them.
pub const GZIP_FROM_BYTES: usize = 1024;

/// A JSON answer, and the same gzipped once some client has taken it
/// (or at once, for an answer many will: [`Encoded::compress`]). Clones
/// share both.
#[derive(Clone)]
pub struct Encoded {
    plain: Bytes,
    gzip: Arc<OnceLock<Bytes>>,
}

/// The same answer: the same JSON (whether it has been gzipped yet or not).
impl PartialEq for Encoded {
    fn eq(&self, other: &Self) -> bool {
        self.plain == other.plain
    }
}

impl Eq for Encoded {}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encoded({} bytes, gzipped: {:?})", self.plain.len(), self.gzip.get().map(Bytes::len))
    }
}

impl Encoded {
    pub fn new(json: impl Into<Bytes>) -> Self {
        Self { plain: json.into(), gzip: Arc::default() }
    }

    /// How many bytes the JSON takes.
    pub fn json_len(&self) -> usize {
        self.plain.len()
    }

    /// The answer gzipped at gzip's default level (nationally every
    /// course's demand went from 8.7 MB to 0.57 MB; 1.1 MB at the fastest
    /// level), compressed now if no one has yet. CPU work of milliseconds
    /// for large answers: call it off the threads that serve requests.
    pub fn compress(&self) -> Result<Bytes, AppError> {
        if let Some(gzip) = self.gzip.get() {
            return Ok(gzip.clone());
        }
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::with_capacity(self.plain.len() / 8), flate2::Compression::default());
        encoder.write_all(&self.plain).map_err(|e| AppError::Internal(e.into()))?;
        let gzip = Bytes::from(encoder.finish().map_err(|e| AppError::Internal(e.into()))?);
        // Two requests may have compressed it at once; either result will do.
        Ok(self.gzip.get_or_init(|| gzip).clone())
    }

    /// `response` with the answer: gzipped if `req` takes gzip and the
    /// answer is long enough to be worth it, plain otherwise. Every answer
    /// says it varies by `Accept-Encoding`, so that caches in between keep
    /// the two apart.
    pub async fn respond(
        &self,
        req: &HttpRequest,
        mut response: HttpResponseBuilder,
    ) -> Result<HttpResponse, AppError> {
        response.content_type(ContentType::json()).insert_header((header::VARY, "accept-encoding"));
        if self.plain.len() < GZIP_FROM_BYTES || !takes_gzip(req) {
            return Ok(response.body(Slices(self.plain.clone())));
        }
        let gzip = match self.gzip.get() {
            Some(gzip) => gzip.clone(),
            None => {
                let answer = self.clone();
                web::block(move || answer.compress()).await.map_err(|e| AppError::Internal(e.into()))??
            }
        };
        Ok(response.insert_header((header::CONTENT_ENCODING, "gzip")).body(Slices(gzip)))
    }
}

/// A long part of an answer kept between requests (a page of the
/// overview's heat map, 150 kB or more nationally), and the same deflated
/// once. An answer made of a short part made for each request, this part
/// and another short part is then gzipped at the cost of the short parts
/// alone ([`stitched`]).
pub struct KeptPart {
    text: String,
    deflated: OnceLock<Deflated>,
}

/// A part as raw deflate blocks that end on a byte boundary, none of them
/// the stream's last, and the CRC-32 of the part, which gzip's trailer
/// needs for the whole.
struct Deflated {
    blocks: Bytes,
    crc: crc32fast::Hasher,
}

impl KeptPart {
    pub fn new(text: String) -> Self {
        Self { text, deflated: OnceLock::new() }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn deflated(&self) -> Result<&Deflated, AppError> {
        if let Some(deflated) = self.deflated.get() {
            return Ok(deflated);
        }
        let blocks = Bytes::from(deflate(self.text.as_bytes(), flate2::Compression::default())?);
        let mut crc = crc32fast::Hasher::new();
        crc.update(self.text.as_bytes());
        // Two requests may have deflated it at once; either result will do.
        Ok(self.deflated.get_or_init(|| Deflated { blocks, crc }))
    }
}

/// `text` as raw deflate blocks (no zlib or gzip wrapping) that end on a
/// byte boundary, none marked the stream's last (a sync flush), so that
/// pieces made apart follow one another in one stream: none refers back
/// into another, and a decoder reads on from one into the next, as pigz
/// does to compress in parallel.
fn deflate(text: &[u8], level: flate2::Compression) -> Result<Vec<u8>, AppError> {
    let mut compressor = flate2::Compress::new(level, false);
    let mut out = Vec::with_capacity(text.len() / 4 + 64);
    loop {
        let read = usize::try_from(compressor.total_in()).unwrap_or(usize::MAX).min(text.len());
        compressor
            .compress_vec(&text[read..], &mut out, flate2::FlushCompress::Sync)
            .map_err(|e| AppError::Internal(e.into()))?;
        let all_read = usize::try_from(compressor.total_in()).is_ok_and(|n| n == text.len());
        // A flush is complete when it has left room in the output.
        if all_read && out.len() < out.capacity() {
            return Ok(out);
        }
        out.reserve(out.capacity().max(1024));
    }
}

/// `text` appended to `out` as stored deflate blocks (kept as they are, at
/// most 65,535 bytes each), the last of them the stream's last if `last`.
/// A piece made for each request is stored, not compressed: a compressor
/// for it cost more (its tables set up, hundreds of kilobytes) than the few
/// kilobytes it would save. Begins on a byte boundary, as the pieces before
/// it end.
fn stored(text: &[u8], last: bool, out: &mut Vec<u8>) {
    let mut blocks = text.chunks(usize::from(u16::MAX)).peekable();
    if blocks.peek().is_none() && !last {
        return;
    }
    loop {
        let block = blocks.next().unwrap_or_default();
        let final_block = last && blocks.peek().is_none();
        // BFINAL in the lowest bit, BTYPE 00 (stored), then padding to the byte.
        out.push(u8::from(final_block));
        let length = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&(!length).to_le_bytes());
        out.extend_from_slice(block);
        if blocks.peek().is_none() {
            return;
        }
    }
}

/// `response` with `head`, `kept` and `tail` one after the other: gzipped
/// if `req` takes gzip (the short parts stored, the kept part's blocks as
/// deflated once), plain otherwise.
pub fn stitched(
    req: &HttpRequest,
    mut response: HttpResponseBuilder,
    head: &str,
    kept: &KeptPart,
    tail: &str,
) -> Result<HttpResponse, AppError> {
    response.insert_header((header::VARY, "accept-encoding"));
    if !takes_gzip(req) {
        let mut plain = Vec::with_capacity(head.len() + kept.text.len() + tail.len());
        plain.extend_from_slice(head.as_bytes());
        plain.extend_from_slice(kept.text.as_bytes());
        plain.extend_from_slice(tail.as_bytes());
        return Ok(response.body(Slices(Bytes::from(plain))));
    }
    let middle = kept.deflated()?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(head.as_bytes());
    crc.combine(&middle.crc);
    crc.update(tail.as_bytes());
    // gzip's trailer holds the length modulo 2^32.
    let length = (head.len() + kept.text.len() + tail.len()) as u32;
    let mut gzip = Vec::with_capacity(GZIP_HEADER.len() + head.len() + middle.blocks.len() + tail.len() + 32);
    gzip.extend_from_slice(&GZIP_HEADER);
    stored(head.as_bytes(), false, &mut gzip);
    gzip.extend_from_slice(&middle.blocks);
    stored(tail.as_bytes(), true, &mut gzip);
    gzip.extend_from_slice(&crc.finalize().to_le_bytes());
    gzip.extend_from_slice(&length.to_le_bytes());
    Ok(response.insert_header((header::CONTENT_ENCODING, "gzip")).body(Slices(Bytes::from(gzip))))
}

/// A gzip member's header (RFC 1952): deflate, no flags, no time, no extra
/// flags, operating system unknown.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Whether `req`'s `Accept-Encoding` takes gzip before the plain answer,
/// by quality, as HTTP says.
pub fn takes_gzip(req: &HttpRequest) -> bool {
    AcceptEncoding::parse(req)
        .ok()
        .and_then(|accepted| accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::gzip())
}

/// How much of an answer is handed to a connection at a time.
const SLICE: usize = 32 * 1024;

/// A body sent a slice at a time from a shared buffer. actix copies every
/// piece of a body it is given into the connection's buffer, and asks for
/// the next only when that buffer has drained; given a whole 8.7 MB answer
/// at once, each slow reader would hold a copy of it.
pub struct Slices(pub Bytes);

impl MessageBody for Slices {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        if self.0.is_empty() {
            return Poll::Ready(None);
        }
        let slice = self.0.len().min(SLICE);
        Poll::Ready(Some(Ok(self.0.split_to(slice))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(accept_encoding: &str) -> HttpRequest {
        actix_web::test::TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, accept_encoding))
            .to_http_request()
    }

    async fn sent(response: HttpResponse) -> (Option<String>, Bytes) {
        let encoding = response.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned());
        (encoding, actix_web::body::to_bytes(response.into_body()).await.unwrap())
    }

    fn gunzip(gzip: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzip), &mut plain).unwrap();
        plain
    }

    #[actix_web::test]
    async fn a_long_answer_is_gzipped_once_for_clients_that_take_it() {
        let json: Vec<u8> = format!("[{}]", vec!["{\"course_code\":\"MI101\"}"; 1000].join(",")).into_bytes();
        let answer = Encoded::new(json.clone());
        let kept = answer.clone();
        let (encoding, body) = sent(answer.respond(&request("identity"), HttpResponse::Ok()).await.unwrap()).await;
        assert_eq!((encoding, body.as_ref()), (None, json.as_slice()));
        assert!(kept.gzip.get().is_none(), "nobody has asked for gzip yet");

        let (encoding, body) = sent(answer.respond(&request("gzip, deflate"), HttpResponse::Ok()).await.unwrap()).await;
        assert_eq!(encoding.as_deref(), Some("gzip"));
        assert_eq!(gunzip(&body), json);
        assert!(body.len() < json.len() / 10, "{} bytes", body.len());
        // The clone kept in the cache has it now, and gives the same bytes.
        assert_eq!(kept.gzip.get(), Some(&body));
        assert_eq!(kept.compress().unwrap(), body);
    }

    #[actix_web::test]
    async fn a_short_answer_or_one_for_a_client_that_refuses_gzip_is_sent_plain() {
        let short = Encoded::new(&b"{\"id\":1}"[..]);
        let (encoding, body) = sent(short.respond(&request("gzip"), HttpResponse::Ok()).await.unwrap()).await;
        assert_eq!((encoding, body.as_ref()), (None, &b"{\"id\":1}"[..]));
        let long = Encoded::new(vec![b' '; GZIP_FROM_BYTES]);
        let response = long.respond(&request("gzip;q=0, identity"), HttpResponse::Ok()).await.unwrap();
        assert_eq!(response.headers().get(header::VARY).unwrap(), "accept-encoding");
        assert_eq!(sent(response).await, (None, long.plain.clone()));
    }

    #[actix_web::test]
    async fn slices_send_the_whole_answer_in_order_a_slice_at_a_time() {
        let answer: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut body = Slices(Bytes::from(answer.clone()));
        assert_eq!(body.size(), BodySize::Sized(100_000));
        let mut pieces = Vec::new();
        while let Some(piece) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
            pieces.push(piece.unwrap());
        }
        assert_eq!(pieces.iter().map(Bytes::len).collect::<Vec<_>>(), [SLICE, SLICE, SLICE, 100_000 - 3 * SLICE]);
        assert_eq!(pieces.concat(), answer);
    }

    #[actix_web::test]
    async fn a_kept_part_between_two_made_for_the_request_is_one_gzip_answer() {
        let kept_text: String = (0..3000).map(|n| format!("<rect x=\"{n}\" class=\"viable\"/>")).collect();
        let kept = KeptPart::new(kept_text.clone());
        for (head, tail) in [("<html><p>Du är inloggad som a@b.se</p>", "<p>4 e-brev</p></html>"), ("", "")] {
            let whole = format!("{head}{kept_text}{tail}");
            let plain = stitched(&request("identity"), HttpResponse::Ok(), head, &kept, tail).unwrap();
            assert_eq!(sent(plain).await, (None, Bytes::from(whole.clone())));
            let gzipped = stitched(&request("gzip, deflate, br"), HttpResponse::Ok(), head, &kept, tail).unwrap();
            let (encoding, body) = sent(gzipped).await;
            assert_eq!(encoding.as_deref(), Some("gzip"));
            // GzDecoder checks the trailer's CRC-32 and length too.
            assert_eq!(String::from_utf8(gunzip(&body)).unwrap(), whole);
            assert!(body.len() < whole.len() / 10, "{} of {} bytes", body.len(), whole.len());
        }
    }

    #[test]
    fn pieces_deflated_or_stored_apart_inflate_as_one_stream() {
        // Longer than one output buffer and than one stored block.
        let long: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let short = b"a short piece".to_vec();
        let cases: [&[(&[u8], bool)]; 4] = [
            &[(&short, false), (&long, true), (&[], false), (&long, false), (&short, false), (&[], true)],
            &[(&long, false), (&long, true), (&[], false), (&short, true), (&long, false)],
            &[(&[], false), (&[], true), (&long, true), (&[], false)],
            &[(&long, false), (&short, true), (&[], false)],
        ];
        for pieces in cases {
            // (piece, deflated?) in turn; the last one is stored, as the stream's last.
            let mut stream = Vec::new();
            let (last, rest) = pieces.split_last().unwrap();
            for (piece, deflated) in rest {
                if *deflated {
                    stream.extend(deflate(piece, flate2::Compression::fast()).unwrap());
                } else {
                    stored(piece, false, &mut stream);
                }
            }
            stored(last.0, true, &mut stream);
            let mut inflated = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(stream.as_slice()), &mut inflated)
                .unwrap();
            let whole: Vec<u8> = pieces.iter().flat_map(|(piece, _)| piece.iter().copied()).collect();
            assert_eq!(inflated.len(), whole.len());
            assert!(inflated == whole);
        }
    }
}
