//! A durable, bounded write-ahead queue for remote write.
//!
//! Batches are appended to a segmented log in a directory (`<dir>/000001.seg`, `000002.seg`, …).
//! Each record is a little-endian `u32` payload length, a little-endian `u32` CRC-32 (crc32fast)
//! of the length bytes followed by the payload, then the payload. Empty records are not allowed,
//! so zero-filled garbage never reads as valid data.
//!
//! Readers are named (one per remote-write endpoint). Each has a read position, advanced by
//! [`Wal::read_next`], and an acknowledged position, advanced by [`Wal::ack`] and persisted in
//! `<dir>/readers/<name>.cursor`, so after a restart delivery resumes at the first
//! unacknowledged record (at-least-once). A segment is deleted once every reader has
//! acknowledged all of it; with no readers registered nothing is deleted on acks.
//!
//! Bounds: when the log grows over [`WalOptions::max_total_bytes`], or its oldest segment's last
//! write is older than [`WalOptions::max_age`], the oldest segments are dropped even if not
//! acknowledged; [`WalStats`] counts the records lost that way so the caller can export a
//! metric. The active (newest) segment is never dropped.
//!
//! Durability: segments are fsynced when they are sealed (on roll) and on [`Wal::sync`], which
//! also fsyncs the cursor files. Acks write cursor files by atomic rename without fsync; a crash
//! can at worst lose recent acks, which means re-delivery, not loss. A torn or corrupt record at
//! the end of the newest segment (a crash mid-write) is found by its length or CRC when the log
//! is opened and cut off with a warning.
//!
//! The type is synchronous and has one owner (`&mut self` everywhere): the remote-write
//! component's task owns it and serves its endpoints over channels.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Bytes of a record header (length + CRC).
const HEADER_BYTES: u64 = 8;
const SEGMENT_SUFFIX: &str = ".seg";
const CURSOR_SUFFIX: &str = ".cursor";
const READERS_DIR: &str = "readers";

/// WAL settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalOptions {
    /// A segment is sealed and a new one started when the next record would take it past this
    /// size. Default 16 MiB; clamped to at most half of `max_total_bytes`.
    pub segment_bytes: u64,
    /// Upper bound on the total size of all segments; the oldest are dropped beyond it.
    /// Default 1 GiB.
    pub max_total_bytes: u64,
    /// Segments whose last write is older than this are dropped. Default: no age limit.
    pub max_age: Option<Duration>,
    /// Largest accepted record payload. Default 64 MiB.
    pub max_record_bytes: u32,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            segment_bytes: 16 << 20,
            max_total_bytes: 1 << 30,
            max_age: None,
            max_record_bytes: 64 << 20,
        }
    }
}

/// A place in the log: a segment index and a byte offset in it. Ordered by segment, then
/// offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// Segment index (the number in the file name).
    pub segment: u64,
    /// Byte offset within the segment.
    pub offset: u64,
}

/// A record read from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Where the record starts.
    pub position: Position,
    /// Where the following record starts: pass this to [`Wal::ack`] once the record is
    /// delivered.
    pub next: Position,
    /// The payload as appended.
    pub data: Vec<u8>,
}

/// Where a newly added reader starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderStart {
    /// At the oldest record still in the log.
    Oldest,
    /// After the newest record: only records appended from now on.
    Newest,
}

/// Counters and sizes, for metrics. Counters are cumulative since the WAL was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalStats {
    /// Segments currently on disk.
    pub segments: usize,
    /// Bytes currently on disk.
    pub total_bytes: u64,
    /// Segments dropped by the size or age bound.
    pub dropped_segments: u64,
    /// Records dropped by the bounds before every reader had acknowledged them.
    pub dropped_records: u64,
    /// Bytes dropped by the bounds.
    pub dropped_bytes: u64,
    /// Bytes of torn or corrupt tail cut off when opening.
    pub truncated_bytes: u64,
    /// Corrupt records met while reading sealed segments (the rest of such a segment is
    /// skipped).
    pub corrupt_records: u64,
}

/// WAL failures.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// A file operation failed.
    #[error("WAL I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The payload is larger than [`WalOptions::max_record_bytes`].
    #[error("WAL record of {size} bytes exceeds the limit of {limit} bytes")]
    RecordTooLarge {
        /// Payload size.
        size: usize,
        /// Configured limit.
        limit: u32,
    },
    /// Empty payloads are not stored.
    #[error("WAL records must not be empty")]
    EmptyRecord,
    /// No reader with this name was added.
    #[error("unknown WAL reader {0:?}")]
    UnknownReader(String),
    /// The name cannot be used as a cursor file name.
    #[error("invalid WAL reader name {0:?}: use 1-200 letters, digits, '_', '-' or '.', not starting with '.'")]
    InvalidReaderName(String),
    /// A record in the active segment failed its checks while reading.
    #[error("corrupt WAL record in segment {segment} at offset {offset}: {reason}")]
    Corrupt {
        /// Segment index.
        segment: u64,
        /// Offset of the record.
        offset: u64,
        /// What check failed.
        reason: &'static str,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WalError + '_ {
    move |source| WalError::Io {
        path: path.to_owned(),
        source,
    }
}

#[derive(Debug)]
struct Segment {
    index: u64,
    size: u64,
    modified: SystemTime,
}

#[derive(Debug)]
struct ReaderState {
    acked: Position,
    read: Position,
    /// Open handle on the segment being read, to avoid reopening per record.
    file: Option<(u64, File)>,
}

/// The write-ahead queue; see the [module docs](self).
#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    options: WalOptions,
    /// Ordered by index; never empty; the last one is active.
    segments: VecDeque<Segment>,
    active: File,
    readers: BTreeMap<String, ReaderState>,
    stats: WalStats,
    scratch: Vec<u8>,
}

fn segment_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{index:06}{SEGMENT_SUFFIX}"))
}

fn cursor_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(READERS_DIR).join(format!("{name}{CURSOR_SUFFIX}"))
}

fn valid_reader_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn record_crc(len: u32, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&len.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Syncs a directory so created, renamed and deleted entries survive a crash.
fn sync_dir(dir: &Path) -> Result<(), WalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// Reads the record header and payload at `offset` of a segment of `size` bytes; `Err` names
/// the failed check.
fn read_record(
    file: &mut File,
    offset: u64,
    size: u64,
    max_record_bytes: u32,
    payload: &mut Vec<u8>,
) -> Result<Result<u64, &'static str>, io::Error> {
    if offset + HEADER_BYTES > size {
        return Ok(Err("truncated record header"));
    }
    let mut header = [0u8; HEADER_BYTES as usize];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut header)?;
    check_and_read_payload(&header, offset, size, max_record_bytes, file, payload)
}

fn check_and_read_payload(
    header: &[u8; 8],
    offset: u64,
    size: u64,
    max_record_bytes: u32,
    source: &mut impl Read,
    payload: &mut Vec<u8>,
) -> Result<Result<u64, &'static str>, io::Error> {
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if len == 0 {
        return Ok(Err("zero-length record"));
    }
    if len > max_record_bytes {
        return Ok(Err("record length over the limit"));
    }
    let end = offset + HEADER_BYTES + u64::from(len);
    if end > size {
        return Ok(Err("record runs past the end of the segment"));
    }
    payload.clear();
    payload.resize(len as usize, 0);
    source.read_exact(payload)?;
    if record_crc(len, payload) != crc {
        return Ok(Err("CRC mismatch"));
    }
    Ok(Ok(end))
}

/// Length of the valid prefix of a segment file (every record checks out).
fn valid_prefix(path: &Path, size: u64, max_record_bytes: u32) -> Result<u64, WalError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut payload = Vec::new();
    let mut offset = 0;
    while offset + HEADER_BYTES <= size {
        let mut header = [0u8; 8];
        reader.read_exact(&mut header).map_err(io_err(path))?;
        match check_and_read_payload(
            &header,
            offset,
            size,
            max_record_bytes,
            &mut reader,
            &mut payload,
        )
        .map_err(io_err(path))?
        {
            Ok(end) => offset = end,
            Err(_) => break,
        }
    }
    Ok(offset)
}

/// Counts the records of a segment from `offset` on, following length fields (used only to
/// account for dropped data).
fn count_records(path: &Path, mut offset: u64, size: u64) -> u64 {
    let Ok(mut file) = File::open(path) else {
        return 0;
    };
    let mut n = 0;
    while offset + HEADER_BYTES <= size {
        let mut header = [0u8; 4];
        if file.seek(SeekFrom::Start(offset)).is_err() || file.read_exact(&mut header).is_err() {
            break;
        }
        let len = u64::from(u32::from_le_bytes(header));
        if len == 0 {
            break;
        }
        offset += HEADER_BYTES + len;
        if offset > size {
            break;
        }
        n += 1;
    }
    n
}

impl Wal {
    /// Opens (or creates) the log in `dir`, cutting off a torn tail and loading reader cursors.
    pub fn open(dir: impl AsRef<Path>, options: WalOptions) -> Result<Wal, WalError> {
        let dir = dir.as_ref().to_owned();
        let mut options = options;
        options.segment_bytes = options
            .segment_bytes
            .min(options.max_total_bytes / 2)
            .max(HEADER_BYTES + 1);
        let readers_dir = dir.join(READERS_DIR);
        fs::create_dir_all(&readers_dir).map_err(io_err(&readers_dir))?;

        let mut segments: Vec<Segment> = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name();
            let Some(index) = name
                .to_str()
                .and_then(|n| n.strip_suffix(SEGMENT_SUFFIX))
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let meta = entry.metadata().map_err(io_err(&entry.path()))?;
            segments.push(Segment {
                index,
                size: meta.len(),
                modified: meta.modified().unwrap_or_else(|_| SystemTime::now()),
            });
        }
        segments.sort_by_key(|s| s.index);

        let mut stats = WalStats::default();
        let created = segments.is_empty();
        if created {
            segments.push(Segment {
                index: 1,
                size: 0,
                modified: SystemTime::now(),
            });
        }
        let last_index = segments.len() - 1;
        let last = &mut segments[last_index];
        let last_path = segment_path(&dir, last.index);
        let active = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&last_path)
            .map_err(io_err(&last_path))?;
        if created {
            sync_dir(&dir)?;
        }
        let valid = valid_prefix(&last_path, last.size, options.max_record_bytes)?;
        if valid < last.size {
            tracing::warn!(
                segment = %last_path.display(),
                valid_bytes = valid,
                cut_bytes = last.size - valid,
                "WAL: cutting off a torn or corrupt tail (likely a crash mid-write)"
            );
            active.set_len(valid).map_err(io_err(&last_path))?;
            active.sync_all().map_err(io_err(&last_path))?;
            stats.truncated_bytes = last.size - valid;
            last.size = valid;
        }

        let mut wal = Wal {
            dir,
            options,
            segments: segments.into(),
            active,
            readers: BTreeMap::new(),
            stats,
            scratch: Vec::new(),
        };
        wal.load_readers()?;
        wal.enforce_bounds(SystemTime::now())?;
        Ok(wal)
    }

    fn load_readers(&mut self) -> Result<(), WalError> {
        let readers_dir = self.dir.join(READERS_DIR);
        for entry in fs::read_dir(&readers_dir).map_err(io_err(&readers_dir))? {
            let entry = entry.map_err(io_err(&readers_dir))?;
            let file_name = entry.file_name();
            let Some(name) = file_name
                .to_str()
                .and_then(|n| n.strip_suffix(CURSOR_SUFFIX))
                .filter(|n| valid_reader_name(n))
            else {
                continue;
            };
            let path = entry.path();
            let parsed = fs::read_to_string(&path)
                .ok()
                .and_then(|text| parse_cursor(&text));
            let position = match parsed {
                Some(p) => self.normalize(p),
                None => {
                    tracing::warn!(
                        cursor = %path.display(),
                        "WAL: unreadable reader cursor; re-delivering from the oldest record"
                    );
                    self.oldest()
                }
            };
            self.readers.insert(
                name.to_owned(),
                ReaderState {
                    acked: position,
                    read: position,
                    file: None,
                },
            );
        }
        Ok(())
    }

    /// Moves a position that points at deleted data or past a segment's end to the nearest
    /// valid place.
    fn normalize(&self, p: Position) -> Position {
        let first = &self.segments[0];
        if p.segment < first.index {
            return self.oldest();
        }
        match self.segments.iter().find(|s| s.index >= p.segment) {
            Some(s) if s.index == p.segment => Position {
                segment: p.segment,
                offset: p.offset.min(s.size),
            },
            Some(s) => Position {
                segment: s.index,
                offset: 0,
            },
            None => self.newest(),
        }
    }

    fn oldest(&self) -> Position {
        Position {
            segment: self.segments[0].index,
            offset: 0,
        }
    }

    fn newest(&self) -> Position {
        let last = self.active_segment();
        Position {
            segment: last.index,
            offset: last.size,
        }
    }

    fn active_segment(&self) -> &Segment {
        // `segments` is never empty: open creates one and dropping keeps the active one.
        &self.segments[self.segments.len() - 1]
    }

    /// The directory of the log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Current sizes and cumulative counters.
    pub fn stats(&self) -> WalStats {
        WalStats {
            segments: self.segments.len(),
            total_bytes: self.segments.iter().map(|s| s.size).sum(),
            ..self.stats
        }
    }

    /// Names of the registered readers.
    pub fn readers(&self) -> impl Iterator<Item = &str> {
        self.readers.keys().map(String::as_str)
    }

    /// Registers a reader (a no-op if it exists, e.g. loaded from its cursor file at open).
    pub fn add_reader(&mut self, name: &str, start: ReaderStart) -> Result<(), WalError> {
        if !valid_reader_name(name) {
            return Err(WalError::InvalidReaderName(name.to_owned()));
        }
        if self.readers.contains_key(name) {
            return Ok(());
        }
        let position = match start {
            ReaderStart::Oldest => self.oldest(),
            ReaderStart::Newest => self.newest(),
        };
        self.write_cursor(name, position, false)?;
        self.readers.insert(
            name.to_owned(),
            ReaderState {
                acked: position,
                read: position,
                file: None,
            },
        );
        Ok(())
    }

    /// Unregisters a reader and deletes its cursor; segments only it was holding are deleted.
    pub fn remove_reader(&mut self, name: &str) -> Result<(), WalError> {
        if self.readers.remove(name).is_none() {
            return Err(WalError::UnknownReader(name.to_owned()));
        }
        let path = cursor_path(&self.dir, name);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path)(e)),
        }
        self.delete_acked_segments()
    }

    /// Appends one record and returns where it starts. Rolls to a new segment when the active
    /// one is full, then applies the bounds.
    pub fn append(&mut self, data: &[u8]) -> Result<Position, WalError> {
        if data.is_empty() {
            return Err(WalError::EmptyRecord);
        }
        let len = u32::try_from(data.len())
            .ok()
            .filter(|&l| l <= self.options.max_record_bytes)
            .ok_or(WalError::RecordTooLarge {
                size: data.len(),
                limit: self.options.max_record_bytes,
            })?;
        let record_bytes = HEADER_BYTES + u64::from(len);
        let active_size = self.active_segment().size;
        if active_size > 0 && active_size + record_bytes > self.options.segment_bytes {
            self.roll()?;
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&len.to_le_bytes());
        self.scratch
            .extend_from_slice(&record_crc(len, data).to_le_bytes());
        self.scratch.extend_from_slice(data);

        let index = self.active_segment().index;
        let offset = self.active_segment().size;
        let path = segment_path(&self.dir, index);
        if let Err(e) = self.active.write_all(&self.scratch) {
            // Cut off whatever part was written so the next append starts on a record boundary.
            let _ = self.active.set_len(offset);
            return Err(io_err(&path)(e));
        }
        let now = SystemTime::now();
        if let Some(seg) = self.segments.back_mut() {
            seg.size += record_bytes;
            seg.modified = now;
        }
        self.enforce_bounds(now)?;
        Ok(Position {
            segment: index,
            offset,
        })
    }

    /// Seals the active segment (fsync) and starts the next one.
    fn roll(&mut self) -> Result<(), WalError> {
        let old = self.active_segment().index;
        let old_path = segment_path(&self.dir, old);
        self.active.sync_all().map_err(io_err(&old_path))?;
        let index = old + 1;
        let path = segment_path(&self.dir, index);
        self.active = OpenOptions::new()
            .create_new(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        sync_dir(&self.dir)?;
        self.segments.push_back(Segment {
            index,
            size: 0,
            modified: SystemTime::now(),
        });
        Ok(())
    }

    /// Fsyncs the active segment and every reader's cursor.
    pub fn sync(&mut self) -> Result<(), WalError> {
        let path = segment_path(&self.dir, self.active_segment().index);
        self.active.sync_all().map_err(io_err(&path))?;
        let cursors: Vec<(String, Position)> = self
            .readers
            .iter()
            .map(|(n, r)| (n.clone(), r.acked))
            .collect();
        for (name, position) in cursors {
            self.write_cursor(&name, position, true)?;
        }
        sync_dir(&self.dir.join(READERS_DIR))
    }

    /// The next record for `reader` after its read position, or `None` when it has read
    /// everything. A corrupt record in a sealed segment is counted and the rest of that
    /// segment skipped.
    pub fn read_next(&mut self, reader: &str) -> Result<Option<Record>, WalError> {
        let state = self
            .readers
            .get_mut(reader)
            .ok_or_else(|| WalError::UnknownReader(reader.to_owned()))?;
        let mut payload = Vec::new();
        loop {
            let pos = state.read;
            let Some(i) = self.segments.iter().position(|s| s.index >= pos.segment) else {
                return Ok(None);
            };
            let seg = &self.segments[i];
            if seg.index != pos.segment {
                // The segment was dropped; continue with the next one that exists.
                state.read = Position {
                    segment: seg.index,
                    offset: 0,
                };
                continue;
            }
            let is_active = i + 1 == self.segments.len();
            if pos.offset >= seg.size {
                if is_active {
                    return Ok(None);
                }
                state.read = Position {
                    segment: self.segments[i + 1].index,
                    offset: 0,
                };
                continue;
            }
            let path = segment_path(&self.dir, seg.index);
            let file = match &mut state.file {
                Some((index, file)) if *index == seg.index => file,
                slot => {
                    let file = File::open(&path).map_err(io_err(&path))?;
                    &mut slot.insert((seg.index, file)).1
                }
            };
            let checked = read_record(
                file,
                pos.offset,
                seg.size,
                self.options.max_record_bytes,
                &mut payload,
            )
            .map_err(io_err(&path))?;
            match checked {
                Ok(end) => {
                    state.read = Position {
                        segment: seg.index,
                        offset: end,
                    };
                    return Ok(Some(Record {
                        position: pos,
                        next: state.read,
                        data: payload,
                    }));
                }
                Err(reason) if is_active => {
                    return Err(WalError::Corrupt {
                        segment: seg.index,
                        offset: pos.offset,
                        reason,
                    })
                }
                Err(reason) => {
                    tracing::warn!(
                        segment = %path.display(),
                        offset = pos.offset,
                        reason,
                        "WAL: corrupt record in a sealed segment; skipping the rest of it"
                    );
                    self.stats.corrupt_records += 1;
                    state.read = Position {
                        segment: self.segments[i + 1].index,
                        offset: 0,
                    };
                }
            }
        }
    }

    /// Moves `reader`'s read position back to its acknowledged position, so unacknowledged
    /// records are read again (e.g. after a failed send).
    pub fn rewind(&mut self, reader: &str) -> Result<(), WalError> {
        let state = self
            .readers
            .get_mut(reader)
            .ok_or_else(|| WalError::UnknownReader(reader.to_owned()))?;
        state.read = state.acked;
        Ok(())
    }

    /// Records that `reader` has delivered everything before `upto` (normally a
    /// [`Record::next`]), persists its cursor, and deletes segments every reader is done with.
    /// Acknowledging an earlier position than before is ignored.
    pub fn ack(&mut self, reader: &str, upto: Position) -> Result<(), WalError> {
        let upto = self.normalize(upto);
        let state = self
            .readers
            .get_mut(reader)
            .ok_or_else(|| WalError::UnknownReader(reader.to_owned()))?;
        if upto <= state.acked {
            return Ok(());
        }
        state.acked = upto;
        if state.read < upto {
            state.read = upto;
        }
        self.write_cursor(reader, upto, false)?;
        self.delete_acked_segments()
    }

    /// The acknowledged position of `reader`.
    pub fn acked(&self, reader: &str) -> Option<Position> {
        self.readers.get(reader).map(|r| r.acked)
    }

    fn write_cursor(&self, name: &str, position: Position, durable: bool) -> Result<(), WalError> {
        let path = cursor_path(&self.dir, name);
        let tmp = path.with_extension("cursor.tmp");
        let text = format!("v1 {} {}\n", position.segment, position.offset);
        let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(text.as_bytes()).map_err(io_err(&tmp))?;
        if durable {
            file.sync_all().map_err(io_err(&tmp))?;
        }
        fs::rename(&tmp, &path).map_err(io_err(&path))
    }

    /// Deletes sealed segments that every reader has acknowledged completely.
    fn delete_acked_segments(&mut self) -> Result<(), WalError> {
        if self.readers.is_empty() {
            return Ok(());
        }
        let mut deleted = false;
        while self.segments.len() > 1 {
            let seg = &self.segments[0];
            let done = self.readers.values().all(|r| {
                r.acked.segment > seg.index
                    || (r.acked.segment == seg.index && r.acked.offset >= seg.size)
            });
            if !done {
                break;
            }
            let path = segment_path(&self.dir, seg.index);
            fs::remove_file(&path).map_err(io_err(&path))?;
            self.segments.pop_front();
            deleted = true;
        }
        if deleted {
            self.advance_readers_past_deleted();
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Moves reader positions that point into deleted segments to the oldest remaining one.
    fn advance_readers_past_deleted(&mut self) {
        let oldest = self.oldest();
        for state in self.readers.values_mut() {
            if state.acked.segment < oldest.segment {
                state.acked = oldest;
            }
            if state.read.segment < oldest.segment {
                state.read = oldest;
                state.file = None;
            }
        }
    }

    /// Drops the oldest segments while the log is over its size bound or they are older than
    /// the age bound (measured at `now`). Called by [`append`](Wal::append) and
    /// [`open`](Wal::open); call it periodically to apply the age bound while idle.
    pub fn enforce_bounds(&mut self, now: SystemTime) -> Result<(), WalError> {
        let mut total: u64 = self.segments.iter().map(|s| s.size).sum();
        let mut dropped = false;
        while self.segments.len() > 1 {
            let seg = &self.segments[0];
            let over_size = total > self.options.max_total_bytes;
            let too_old = self.options.max_age.is_some_and(|age| {
                now.duration_since(seg.modified)
                    .is_ok_and(|elapsed| elapsed > age)
            });
            if !over_size && !too_old {
                break;
            }
            let (index, size) = (seg.index, seg.size);
            let path = segment_path(&self.dir, index);
            let lost = self.unacked_records(seg, &path);
            tracing::warn!(
                segment = %path.display(),
                bytes = size,
                unacknowledged_records = lost,
                reason = if over_size { "size bound" } else { "age bound" },
                "WAL: dropping the oldest segment"
            );
            fs::remove_file(&path).map_err(io_err(&path))?;
            self.stats.dropped_segments += 1;
            self.stats.dropped_records += lost;
            self.stats.dropped_bytes += size;
            total -= size;
            self.segments.pop_front();
            dropped = true;
        }
        if dropped {
            self.advance_readers_past_deleted();
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Records of `seg` that the slowest reader has not acknowledged (all of them when there
    /// are no readers).
    fn unacked_records(&self, seg: &Segment, path: &Path) -> u64 {
        let from = match self.readers.values().map(|r| r.acked).min() {
            None => 0,
            Some(min) if min.segment > seg.index => return 0,
            Some(min) if min.segment == seg.index => min.offset,
            Some(_) => 0,
        };
        count_records(path, from, seg.size)
    }
}

/// Parses a cursor file: `v1 <segment> <offset>`.
fn parse_cursor(text: &str) -> Option<Position> {
    let mut parts = text.split_whitespace();
    if parts.next()? != "v1" {
        return None;
    }
    let segment = parts.next()?.parse().ok()?;
    let offset = parts.next()?.parse().ok()?;
    parts
        .next()
        .is_none()
        .then_some(Position { segment, offset })
}

#[cfg(test)]
mod tests;
