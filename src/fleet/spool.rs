//! Where a fleet run keeps its finished reports: each instance's full report is written to
//! one unnamed temporary file as soon as the instance is judged, and read back one at a
//! time when a format renders it. The run holds in memory only what the fleet-wide
//! judgement needs (verdicts, counts, the values instances must not share), so its memory
//! grows with `--jobs`, not with the size of the fleet.

use crate::report::Report;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

/// The run's spool: an unnamed temporary file (gone when the process ends) and its
/// length.
#[derive(Debug)]
pub struct Spool {
    file: Mutex<(File, u64)>,
}

impl Spool {
    pub fn new() -> std::io::Result<Arc<Spool>> {
        Ok(Arc::new(Spool {
            file: Mutex::new((tempfile::tempfile()?, 0)),
        }))
    }

    /// Appends a report; the entry reads it back.
    pub fn put(self: &Arc<Self>, report: &Report) -> std::io::Result<Detail> {
        let bytes = serde_json::to_vec(report).map_err(std::io::Error::other)?;
        let mut guard = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("the report spool's lock was poisoned"))?;
        let (file, end) = &mut *guard;
        let offset = *end;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(&bytes)?;
        *end += bytes.len() as u64;
        Ok(Detail::Spooled(Entry {
            spool: self.clone(),
            offset,
            len: bytes.len(),
        }))
    }

    fn read(&self, offset: u64, len: usize) -> std::io::Result<Report> {
        let mut bytes = vec![0; len];
        {
            let mut guard = self
                .file
                .lock()
                .map_err(|_| std::io::Error::other("the report spool's lock was poisoned"))?;
            let (file, _) = &mut *guard;
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut bytes)?;
        }
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}

/// One report in the spool.
#[derive(Debug, Clone)]
pub struct Entry {
    spool: Arc<Spool>,
    offset: u64,
    len: usize,
}

/// An instance's full report: in memory (as a shard's report file gives it), or in the
/// run's spool. It serializes as the report itself either way, so a spooled run and a
/// merge of shard reports write the same bytes.
#[derive(Debug, Clone)]
pub enum Detail {
    Inline(Box<Report>),
    Spooled(Entry),
}

impl Detail {
    /// The report; a spooled one is read back (an unreadable spool is an error naming it).
    pub fn get(&self) -> Result<Cow<'_, Report>, String> {
        match self {
            Detail::Inline(r) => Ok(Cow::Borrowed(r)),
            Detail::Spooled(e) => e
                .spool
                .read(e.offset, e.len)
                .map(Cow::Owned)
                .map_err(|err| format!("reading the report back from the run's spool: {err}")),
        }
    }
}

impl PartialEq for Detail {
    fn eq(&self, other: &Detail) -> bool {
        match (self.get(), other.get()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Detail, D::Error> {
        Report::deserialize(d).map(|r| Detail::Inline(Box::new(r)))
    }
}
