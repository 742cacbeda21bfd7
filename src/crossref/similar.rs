//! Reports whose prose is nearly the same, found by locality-sensitive hashing over
//! their MinHash signatures, in time linear in the corpus.

use std::fs::File;
use std::io;
use std::sync::{Mutex, PoisonError};

use super::record::{SignatureRecord, SIGNED_RECORD};
use crate::cpu::Helpers;
use crate::prose::SIGNATURE_LEN;
use crate::spill::{read_at, RecordBlocks};
use crate::text::mix;

/// Signature hashes per LSH band: 8 bands of 4. Two texts of similarity 0.8 share a band
/// with probability 0.985, of similarity 0.3 with 0.06.
pub(super) const BAND_ROWS: usize = 4;
/// Estimated similarity at which two reports' prose is called a near duplicate.
pub const NEAR_DUPLICATE: f64 = 0.8;
/// Most other reports one report is compared with per LSH bucket: a bucket of thousands
/// (one template filled in by every township) costs linear time, not quadratic.
pub(super) const MAX_BUCKET_PEERS: usize = 16;
/// Most `near_duplicate` rows per report (the most similar first).
pub(super) const MAX_NEAR_DUPLICATES: usize = 3;

/// One of a report's most similar others: how many signature hashes they share, and
/// which report it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Near {
    pub(super) same: u8,
    pub(super) other: u32,
}

/// A report's [`MAX_NEAR_DUPLICATES`] most similar others, best first (`None` when fewer).
pub(super) type Nearest = [Option<Near>; MAX_NEAR_DUPLICATES];

/// Keeps `candidate` among `nearest` if it is one of the best: more hashes shared first,
/// then the earlier report. The same pair found again (through another band) changes
/// nothing.
pub(super) fn offer(nearest: &mut Nearest, candidate: Near) {
    let rank = |n: &Near| (std::cmp::Reverse(n.same), n.other);
    if nearest.iter().flatten().any(|n| n.other == candidate.other) {
        return;
    }
    let Some(at) = nearest
        .iter()
        .position(|n| n.is_none_or(|n| rank(&candidate) < rank(&n)))
    else {
        return;
    };
    nearest[at..].rotate_right(1);
    nearest[at] = Some(candidate);
}

/// For each report, its [`MAX_NEAR_DUPLICATES`] most similar others of those whose prose
/// is at least [`NEAR_DUPLICATE`] the same, found band by band: the (band hash, report)
/// pairs of one band at a time are sorted, so that a bucket is a run of equal hashes.
/// The bands are searched on the helper threads, as many at once as there are helpers
/// (each holds 16 bytes a report while it runs); the result is the same in any order,
/// since [`offer`] keeps the best of all it is offered.
pub(super) fn similar_reports(
    signed: &File,
    reports: usize,
    helpers: &Helpers,
) -> io::Result<Vec<Nearest>> {
    const BANDS: usize = SIGNATURE_LEN / BAND_ROWS;
    let nearest = Mutex::new(vec![[None; MAX_NEAR_DUPLICATES]; reports]);
    let bands: Vec<usize> = (0..BANDS).collect();
    for searched in helpers.map(&bands, |&band| search_band(signed, reports, band, &nearest)) {
        searched?;
    }
    Ok(nearest.into_inner().unwrap_or_else(PoisonError::into_inner))
}

/// Pairs found in one band, offered to the shared [`Nearest`]s this many at a time.
const FOUND_AT_ONCE: usize = 4096;

/// Searches one LSH band's buckets and offers each near-duplicate pair found.
fn search_band(
    signed: &File,
    reports: usize,
    band: usize,
    nearest: &Mutex<Vec<Nearest>>,
) -> io::Result<()> {
    let mut entries: Vec<(u64, u32)> = Vec::with_capacity(reports);
    // At its own offsets: the bands read the file at once.
    let mut blocks = RecordBlocks::new(signed, reports, SIGNED_RECORD);
    while let Some((first, bytes)) = blocks.next_block()? {
        for (report, record) in (first..).zip(bytes.chunks_exact(SIGNED_RECORD)) {
            let record = record.try_into().expect("a whole record");
            if let Some(sig) = SignatureRecord::decode(record).signature {
                let rows = &sig.0[band * BAND_ROWS..(band + 1) * BAND_ROWS];
                let h = rows.iter().fold(band as u64, |h, &x| mix(h ^ x as u64));
                entries.push((h, report));
            }
        }
    }
    entries.sort_unstable();
    // A report adds two pairs for each member of its window before the count is checked.
    let mut found: Vec<(u32, Near)> = Vec::with_capacity(FOUND_AT_ONCE + 2 * MAX_BUCKET_PEERS);
    let offer_found = |found: &mut Vec<(u32, Near)>| {
        let mut nearest = nearest.lock().unwrap_or_else(PoisonError::into_inner);
        for (report, near) in found.drain(..) {
            offer(&mut nearest[report as usize], near);
        }
    };
    let mut record = [0u8; SIGNED_RECORD];
    // Each report is compared with the next few members of its bucket (a window of
    // the last ones read): a bucket of thousands (one template filled in by every
    // township) costs linear time, not quadratic.
    let mut window: std::collections::VecDeque<(u32, SignatureRecord)> = Default::default();
    for (k, &(h, b)) in entries.iter().enumerate() {
        let first = k == 0 || entries[k - 1].0 != h;
        if first {
            window.clear();
            // A bucket of one has nothing to compare.
            if entries.get(k + 1).is_none_or(|next| next.0 != h) {
                continue;
            }
        }
        read_at(signed, b as u64 * SIGNED_RECORD as u64, &mut record)?;
        let rb = SignatureRecord::decode(&record);
        for (a, ra) in &window {
            // One report in two forms (PDF and web page) is not a copy.
            if ra.key == rb.key && ra.year == rb.year {
                continue;
            }
            let (Some(sa), Some(sb)) = (&ra.signature, &rb.signature) else {
                continue;
            };
            let s = sa.similarity(sb);
            if s >= NEAR_DUPLICATE {
                let same = (s * SIGNATURE_LEN as f64) as u8;
                found.push((*a, Near { same, other: b }));
                found.push((b, Near { same, other: *a }));
            }
        }
        if found.len() >= FOUND_AT_ONCE {
            offer_found(&mut found);
        }
        if window.len() == MAX_BUCKET_PEERS {
            window.pop_front();
        }
        window.push_back((b, rb));
    }
    offer_found(&mut found);
    Ok(())
}
