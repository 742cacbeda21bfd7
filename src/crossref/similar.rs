//! Reports whose prose is nearly the same, found by locality-sensitive hashing over
//! their MinHash signatures, in time linear in the corpus.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::read_at;
use super::record::{SignatureRecord, SIGNED_RECORD};
use crate::prose::SIGNATURE_LEN;
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
pub(super) fn similar_reports(signed: &File, reports: usize) -> io::Result<Vec<Nearest>> {
    const BANDS: usize = SIGNATURE_LEN / BAND_ROWS;
    let mut nearest: Vec<Nearest> = vec![[None; MAX_NEAR_DUPLICATES]; reports];
    let mut record = [0u8; SIGNED_RECORD];
    for band in 0..BANDS {
        let mut entries: Vec<(u64, u32)> = Vec::new();
        let mut file = signed;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = io::BufReader::with_capacity(1 << 16, file);
        for report in 0..reports {
            reader.read_exact(&mut record)?;
            if let Some(sig) = SignatureRecord::decode(&record).signature {
                let rows = &sig.0[band * BAND_ROWS..(band + 1) * BAND_ROWS];
                let h = rows.iter().fold(band as u64, |h, &x| mix(h ^ x as u64));
                entries.push((h, report as u32));
            }
        }
        drop(reader);
        entries.sort_unstable();
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
                    offer(&mut nearest[*a as usize], Near { same, other: b });
                    offer(&mut nearest[b as usize], Near { same, other: *a });
                }
            }
            if window.len() == MAX_BUCKET_PEERS {
                window.pop_front();
            }
            window.push_back((b, rb));
        }
    }
    Ok(nearest)
}
