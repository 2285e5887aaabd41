//! The local object store: the first page of a 10 000-object prefix, opening
//! a store of 10 000 objects, and 64 MiB put/get through the store compared
//! with plain `std::fs`. Run: `cargo bench -p iam --bench store`.
//! The store lives in a temporary directory (set `TMPDIR` to choose the disk).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iam::{ListRequest, LocalObjectStore};

const OBJECTS: usize = 10_000;
const BIG: usize = 64 * 1024 * 1024;

fn listing(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalObjectStore::open(dir.path()).expect("open");
    store
        .ensure_bucket("bench", "123456789012")
        .expect("bucket");
    // 10 000 objects in 100 "folders" under one prefix, and some elsewhere.
    for i in 0..OBJECTS {
        let key = format!("logs/{:02}/{i:05}.log", i % 100);
        store
            .put_object("bench", &key, None, BTreeMap::new(), key.as_bytes())
            .expect("put");
    }
    for i in 0..1000 {
        let key = format!("other/{i:04}");
        store
            .put_object("bench", &key, None, BTreeMap::new(), &b"x"[..])
            .expect("put");
    }

    let mut group = c.benchmark_group("list");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let flat = ListRequest {
        prefix: Some("logs/".into()),
        ..ListRequest::default()
    };
    let page = store.list_objects_v2("bench", &flat).expect("list");
    assert_eq!(page.key_count, 1000);
    assert!(page.is_truncated);
    group.bench_function("first page of 1000 keys, prefix of 10 000", |b| {
        b.iter(|| black_box(store.list_objects_v2("bench", black_box(&flat))))
    });
    let mut last = flat.clone();
    for _ in 0..9 {
        let page = store.list_objects_v2("bench", &last).expect("list");
        last.continuation_token = page.next_continuation_token;
    }
    assert!(last.continuation_token.is_some());
    group.bench_function("tenth page of 1000 keys, prefix of 10 000", |b| {
        b.iter(|| black_box(store.list_objects_v2("bench", black_box(&last))))
    });
    let folders = ListRequest {
        prefix: Some("logs/".into()),
        delimiter: Some("/".into()),
        ..ListRequest::default()
    };
    assert_eq!(
        store
            .list_objects_v2("bench", &folders)
            .map(|p| p.common_prefixes.len())
            .ok(),
        Some(100)
    );
    group.bench_function("folders view: 100 common prefixes over 10 000 keys", |b| {
        b.iter(|| black_box(store.list_objects_v2("bench", black_box(&folders))))
    });
    group.bench_function("open a store of 11 000 objects", |b| {
        b.iter(|| black_box(LocalObjectStore::open(dir.path()).expect("open")))
    });
    group.finish();
}

fn copy_fsync(src: &Path, dst: &Path) -> io::Result<()> {
    let mut out = File::create(dst)?;
    io::copy(&mut File::open(src)?, &mut out)?;
    out.sync_all()
}

fn throughput(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("source.bin");
    {
        let mut f = File::create(&source).expect("source");
        let mut block = vec![0u8; 1024 * 1024];
        for i in 0..BIG / block.len() {
            block
                .iter_mut()
                .enumerate()
                .for_each(|(j, b)| *b = (i.wrapping_mul(31).wrapping_add(j.wrapping_mul(7))) as u8);
            f.write_all(&block).expect("write");
        }
        f.sync_all().expect("sync");
    }
    let store = LocalObjectStore::open(&dir.path().join("store")).expect("open");
    store
        .ensure_bucket("bench", "123456789012")
        .expect("bucket");
    let copy = dir.path().join("copy.bin");
    // The get benchmarks read this even when the put one is filtered out.
    let src = File::open(&source).expect("open");
    store
        .put_object("bench", "big/object.bin", None, BTreeMap::new(), src)
        .expect("put");

    let mut group = c.benchmark_group("64 MiB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Bytes(BIG as u64));
    group.bench_function("put through the store (MD5, fsync, rename)", |b| {
        b.iter(|| {
            let src = File::open(&source).expect("open");
            store
                .put_object("bench", "big/object.bin", None, BTreeMap::new(), src)
                .expect("put")
        })
    });
    group.bench_function("MD5 alone (the ETag's cost)", |b| {
        let bytes = fs::read(&source).expect("read");
        b.iter(|| {
            use md5::Digest;
            md5::Md5::digest(black_box(&bytes))
        })
    });
    group.bench_function("std::fs::copy", |b| {
        b.iter(|| fs::copy(&source, &copy).expect("copy"))
    });
    group.bench_function("std::fs copy + fsync", |b| {
        b.iter(|| copy_fsync(&source, &copy).expect("copy"))
    });
    group.bench_function("get through the store", |b| {
        b.iter(|| {
            let mut body = store
                .get_object("bench", "big/object.bin", None)
                .expect("get");
            io::copy(&mut body, &mut io::sink()).expect("read")
        })
    });
    group.bench_function("get through the store, 256 KiB buffer", |b| {
        let mut buf = vec![0u8; 256 * 1024];
        b.iter(|| {
            let mut body = store
                .get_object("bench", "big/object.bin", None)
                .expect("get");
            let mut total = 0usize;
            loop {
                let n = body.read(&mut buf).expect("read");
                if n == 0 {
                    break total;
                }
                total += n;
            }
        })
    });
    group.bench_function("std::fs read", |b| {
        b.iter(|| {
            let mut f = File::open(&source).expect("open");
            io::copy(&mut f, &mut io::sink()).expect("read")
        })
    });
    group.bench_function("std::fs read, 256 KiB buffer", |b| {
        let mut buf = vec![0u8; 256 * 1024];
        b.iter(|| {
            let mut f = File::open(&source).expect("open");
            let mut total = 0usize;
            loop {
                let n = f.read(&mut buf).expect("read");
                if n == 0 {
                    break total;
                }
                total += n;
            }
        })
    });
    group.finish();
}

criterion_group!(benches, listing, throughput);
criterion_main!(benches);
