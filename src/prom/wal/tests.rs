use super::*;

fn small() -> WalOptions {
    WalOptions {
        segment_bytes: 64,
        max_total_bytes: 1 << 20,
        max_age: None,
        max_record_bytes: 1024,
    }
}

fn payload(i: usize) -> Vec<u8> {
    format!("batch-{i:04}").into_bytes()
}

/// Reads everything available for `reader`.
fn drain(wal: &mut Wal, reader: &str) -> Vec<Record> {
    let mut out = Vec::new();
    while let Some(r) = wal.read_next(reader).unwrap() {
        out.push(r);
    }
    out
}

fn data(records: &[Record]) -> Vec<Vec<u8>> {
    records.iter().map(|r| r.data.clone()).collect()
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    names.sort();
    names
}

#[test]
fn append_read_ack_and_roll() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    wal.add_reader("ep", ReaderStart::Oldest).unwrap();
    for i in 0..10 {
        wal.append(&payload(i)).unwrap();
    }
    // 18-byte records, 64-byte segments: three records per segment.
    assert_eq!(
        segment_files(dir.path()),
        ["000001.seg", "000002.seg", "000003.seg", "000004.seg"]
    );
    let records = drain(&mut wal, "ep");
    assert_eq!(data(&records), (0..10).map(payload).collect::<Vec<_>>());
    assert_eq!(
        records[0].position,
        Position {
            segment: 1,
            offset: 0
        }
    );
    assert_eq!(
        records[0].next,
        Position {
            segment: 1,
            offset: 18
        }
    );
    assert_eq!(
        records[3].position,
        Position {
            segment: 2,
            offset: 0
        }
    );

    // Acking into segment 3 deletes segments 1 and 2.
    wal.ack("ep", records[6].position).unwrap();
    assert_eq!(segment_files(dir.path()), ["000003.seg", "000004.seg"]);
    // Acking everything keeps the active segment.
    wal.ack("ep", records[9].next).unwrap();
    assert_eq!(segment_files(dir.path()), ["000004.seg"]);
    assert_eq!(wal.stats().segments, 1);
    assert!(wal.read_next("ep").unwrap().is_none());
    wal.append(b"more").unwrap();
    assert_eq!(data(&drain(&mut wal, "ep")), [b"more".to_vec()]);
}

#[test]
fn restart_resumes_at_the_acknowledged_record() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut wal = Wal::open(dir.path(), small()).unwrap();
        wal.add_reader("ep", ReaderStart::Oldest).unwrap();
        for i in 0..5 {
            wal.append(&payload(i)).unwrap();
        }
        let records = drain(&mut wal, "ep");
        // Delivered 0..3, read (but not delivered) 3 and 4.
        wal.ack("ep", records[2].next).unwrap();
        wal.sync().unwrap();
    }
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    assert_eq!(wal.readers().collect::<Vec<_>>(), ["ep"]);
    // Re-adding a known reader keeps its cursor.
    wal.add_reader("ep", ReaderStart::Newest).unwrap();
    assert_eq!(data(&drain(&mut wal, "ep")), [payload(3), payload(4)]);
    wal.append(&payload(5)).unwrap();
    assert_eq!(data(&drain(&mut wal, "ep")), [payload(5)]);
}

#[test]
fn rewind_rereads_unacknowledged_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    wal.add_reader("ep", ReaderStart::Oldest).unwrap();
    for i in 0..4 {
        wal.append(&payload(i)).unwrap();
    }
    let first = wal.read_next("ep").unwrap().unwrap();
    wal.ack("ep", first.next).unwrap();
    let _ = drain(&mut wal, "ep");
    wal.rewind("ep").unwrap();
    assert_eq!(
        data(&drain(&mut wal, "ep")),
        [payload(1), payload(2), payload(3)]
    );
    // An older ack is ignored.
    wal.ack("ep", first.position).unwrap();
    assert_eq!(wal.acked("ep"), Some(first.next));
}

#[test]
fn torn_tail_is_cut_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WalOptions {
        segment_bytes: 1 << 20,
        ..small()
    };
    {
        let mut wal = Wal::open(dir.path(), opts).unwrap();
        wal.add_reader("ep", ReaderStart::Oldest).unwrap();
        for i in 0..3 {
            wal.append(&payload(i)).unwrap();
        }
    }
    // Simulate a crash mid-write: a header promising 100 bytes, then only 5.
    let seg = dir.path().join("000001.seg");
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&100u32.to_le_bytes()).unwrap();
    f.write_all(&[1, 2, 3, 4, 9, 9, 9, 9, 9]).unwrap();
    drop(f);
    let before = fs::metadata(&seg).unwrap().len();

    let mut wal = Wal::open(dir.path(), opts).unwrap();
    assert_eq!(wal.stats().truncated_bytes, 13);
    assert_eq!(fs::metadata(&seg).unwrap().len(), before - 13);
    assert_eq!(
        data(&drain(&mut wal, "ep")),
        [payload(0), payload(1), payload(2)]
    );
    // Appends continue on a clean record boundary.
    wal.append(&payload(3)).unwrap();
    assert_eq!(data(&drain(&mut wal, "ep")), [payload(3)]);
    drop(wal);
    let mut wal = Wal::open(dir.path(), opts).unwrap();
    assert_eq!(wal.stats().truncated_bytes, 0);
    assert_eq!(drain(&mut wal, "ep").len(), 4);
}

#[test]
fn corrupt_last_record_is_cut_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WalOptions {
        segment_bytes: 1 << 20,
        ..small()
    };
    {
        let mut wal = Wal::open(dir.path(), opts).unwrap();
        wal.add_reader("ep", ReaderStart::Oldest).unwrap();
        for i in 0..3 {
            wal.append(&payload(i)).unwrap();
        }
    }
    // Flip a payload byte of the last record: its CRC no longer matches.
    let seg = dir.path().join("000001.seg");
    let mut bytes = fs::read(&seg).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    fs::write(&seg, &bytes).unwrap();
    // Zero-filled garbage (as a crash can leave) is not read as records either.
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&[0u8; 32]).unwrap();
    drop(f);

    let mut wal = Wal::open(dir.path(), opts).unwrap();
    assert_eq!(wal.stats().truncated_bytes, 18 + 32);
    assert_eq!(data(&drain(&mut wal, "ep")), [payload(0), payload(1)]);
}

#[test]
fn size_bound_drops_oldest_segments_and_counts_records() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WalOptions {
        segment_bytes: 54, // exactly three 18-byte records
        max_total_bytes: 200,
        ..small()
    };
    let mut wal = Wal::open(dir.path(), opts).unwrap();
    wal.add_reader("slow", ReaderStart::Oldest).unwrap();
    // The slow reader delivers the first record only.
    wal.append(&payload(0)).unwrap();
    let r = wal.read_next("slow").unwrap().unwrap();
    wal.ack("slow", r.next).unwrap();
    for i in 1..20 {
        wal.append(&payload(i)).unwrap();
    }
    let stats = wal.stats();
    assert!(stats.total_bytes <= 200, "{stats:?}");
    // 20 records in segments of 3: 7 segments; 200 bytes hold 3 full segments + 2 records.
    assert_eq!(stats.segments, 4);
    assert_eq!(stats.dropped_segments, 3);
    assert_eq!(stats.dropped_bytes, 3 * 54);
    // Records 1..9 were never acknowledged (record 0 was).
    assert_eq!(stats.dropped_records, 8);
    // The slow reader continues at the oldest remaining record.
    let rest = drain(&mut wal, "slow");
    assert_eq!(data(&rest), (9..20).map(payload).collect::<Vec<_>>());
}

#[test]
fn age_bound_drops_old_segments() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WalOptions {
        max_age: Some(Duration::from_secs(3600)),
        ..small()
    };
    let mut wal = Wal::open(dir.path(), opts).unwrap();
    wal.add_reader("ep", ReaderStart::Oldest).unwrap();
    for i in 0..7 {
        wal.append(&payload(i)).unwrap();
    }
    assert_eq!(wal.stats().segments, 3);
    wal.enforce_bounds(SystemTime::now()).unwrap();
    assert_eq!(wal.stats().segments, 3, "nothing is old yet");
    wal.enforce_bounds(SystemTime::now() + Duration::from_secs(7200))
        .unwrap();
    let stats = wal.stats();
    assert_eq!(stats.segments, 1, "only the active segment remains");
    assert_eq!(stats.dropped_records, 6);
    assert_eq!(data(&drain(&mut wal, "ep")), [payload(6)]);
}

#[test]
fn two_readers_hold_segments_until_both_ack() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    wal.add_reader("a", ReaderStart::Oldest).unwrap();
    wal.add_reader("b", ReaderStart::Oldest).unwrap();
    for i in 0..7 {
        wal.append(&payload(i)).unwrap();
    }
    let a = drain(&mut wal, "a");
    let b = drain(&mut wal, "b");
    assert_eq!(data(&a), data(&b));
    wal.ack("a", a[6].next).unwrap();
    assert_eq!(wal.stats().segments, 3, "b still needs them");
    wal.ack("b", b[2].next).unwrap();
    assert_eq!(segment_files(dir.path()), ["000002.seg", "000003.seg"]);
    // Removing the lagging reader frees the rest.
    wal.remove_reader("b").unwrap();
    assert_eq!(segment_files(dir.path()), ["000003.seg"]);
    assert!(matches!(
        wal.read_next("b"),
        Err(WalError::UnknownReader(_))
    ));
}

#[test]
fn newest_reader_sees_only_new_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    wal.append(b"old").unwrap();
    wal.add_reader("late", ReaderStart::Newest).unwrap();
    wal.add_reader("early", ReaderStart::Oldest).unwrap();
    wal.append(b"new").unwrap();
    assert_eq!(data(&drain(&mut wal, "late")), [b"new".to_vec()]);
    assert_eq!(
        data(&drain(&mut wal, "early")),
        [b"old".to_vec(), b"new".to_vec()]
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    assert!(matches!(wal.append(b""), Err(WalError::EmptyRecord)));
    assert!(matches!(
        wal.append(&[0u8; 2000]),
        Err(WalError::RecordTooLarge {
            size: 2000,
            limit: 1024
        })
    ));
    for bad in ["", "../x", ".hidden", "a/b", "é"] {
        assert!(matches!(
            wal.add_reader(bad, ReaderStart::Oldest),
            Err(WalError::InvalidReaderName(_))
        ));
    }
    assert!(matches!(
        wal.ack(
            "nobody",
            Position {
                segment: 1,
                offset: 0
            }
        ),
        Err(WalError::UnknownReader(_))
    ));
    // A garbled cursor file means re-delivery from the oldest record.
    wal.add_reader("ep", ReaderStart::Newest).unwrap();
    wal.append(b"x").unwrap();
    drop(wal);
    fs::write(dir.path().join("readers/ep.cursor"), "garbage").unwrap();
    // A cursor pointing far past the end is clamped.
    fs::write(dir.path().join("readers/far.cursor"), "v1 99 5\n").unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    assert_eq!(data(&drain(&mut wal, "ep")), [b"x".to_vec()]);
    assert!(drain(&mut wal, "far").is_empty());
    wal.append(b"y").unwrap();
    assert_eq!(data(&drain(&mut wal, "far")), [b"y".to_vec()]);
}

#[test]
fn corrupt_sealed_segment_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut wal = Wal::open(dir.path(), small()).unwrap();
    wal.add_reader("ep", ReaderStart::Oldest).unwrap();
    for i in 0..6 {
        wal.append(&payload(i)).unwrap();
    }
    // Damage the second record of the sealed first segment.
    let seg = dir.path().join("000001.seg");
    let mut bytes = fs::read(&seg).unwrap();
    bytes[18 + 10] ^= 0x55;
    fs::write(&seg, &bytes).unwrap();
    let got = drain(&mut wal, "ep");
    assert_eq!(data(&got), [payload(0), payload(3), payload(4), payload(5)]);
    assert_eq!(wal.stats().corrupt_records, 1);
}

#[test]
fn cursor_format() {
    assert_eq!(
        parse_cursor("v1 3 42\n"),
        Some(Position {
            segment: 3,
            offset: 42
        })
    );
    for bad in ["", "v2 1 2", "v1 1", "v1 1 2 3", "v1 -1 2", "v1 a b"] {
        assert_eq!(parse_cursor(bad), None, "{bad:?}");
    }
}
