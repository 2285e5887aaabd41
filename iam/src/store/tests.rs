use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::*;

const OWNER: &str = "123456789012";
const EMPTY_ETAG: &str = "\"d41d8cd98f00b204e9800998ecf8427e\"";

struct Fixture {
    _dir: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
    store: LocalObjectStore,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().to_path_buf();
    let root = base.join("store");
    let store = LocalObjectStore::open(&root).expect("open");
    store.ensure_bucket("bucket", OWNER).expect("bucket");
    Fixture {
        _dir: dir,
        base,
        root,
        store,
    }
}

fn put(store: &LocalObjectStore, key: &str, body: &[u8]) -> ObjectInfo {
    store
        .put_object("bucket", key, None, BTreeMap::new(), body)
        .expect("put")
}

fn get(store: &LocalObjectStore, key: &str) -> Vec<u8> {
    let mut body = store.get_object("bucket", key, None).expect("get");
    let mut out = Vec::new();
    body.read_to_end(&mut out).expect("read");
    out
}

fn get_range(store: &LocalObjectStore, key: &str, range: ByteRange) -> Result<Vec<u8>, StoreError> {
    let mut body = store.get_object("bucket", key, Some(range))?;
    let mut out = Vec::new();
    body.read_to_end(&mut out).expect("read");
    assert_eq!(out.len() as u64, body.len);
    Ok(out)
}

fn all_keys(store: &LocalObjectStore) -> Vec<String> {
    let page = store
        .list_objects_v2("bucket", &ListRequest::default())
        .expect("list");
    page.objects.into_iter().map(|o| o.key).collect()
}

/// Every file below `dir`, relative to it.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.to_path_buf());
            }
        }
    }
    out
}

fn is_object_file(rel: &Path) -> bool {
    let parts: Vec<_> = rel.iter().filter_map(|p| p.to_str()).collect();
    matches!(parts.as_slice(), ["buckets", "bucket", "objects", shard, name]
        if shard.len() == 2 && name.len() == 64 && name.starts_with(shard)
            && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[test]
fn etag_is_the_quoted_md5_as_s3_computes_it() {
    let f = fixture();
    assert_eq!(put(&f.store, "empty", b"").etag, EMPTY_ETAG);
    let fox = put(
        &f.store,
        "fox",
        b"The quick brown fox jumps over the lazy dog",
    );
    assert_eq!(fox.etag, "\"9e107d9d372bb6826bd81d3542a419d6\"");
    assert_eq!(fox.size, 43);
    assert_eq!(
        f.store.head_object("bucket", "empty").map(|i| i.size).ok(),
        Some(0)
    );
    assert!(get(&f.store, "empty").is_empty());
}

#[test]
fn chunked_upload_has_the_etag_of_the_whole() {
    let f = fixture();
    let mut writer = f
        .store
        .begin_put(
            "bucket",
            "big",
            Some("application/octet-stream"),
            BTreeMap::new(),
        )
        .expect("begin");
    let mut whole = Vec::new();
    for i in 0..64u8 {
        let chunk = vec![i; 64 * 1024 + usize::from(i)];
        writer.write_chunk(&chunk).expect("chunk");
        whole.extend_from_slice(&chunk);
    }
    assert_eq!(writer.written(), whole.len() as u64);
    assert!(
        all_keys(&f.store).is_empty(),
        "nothing listed before commit"
    );
    let info = writer.commit().expect("commit");
    use md5::Digest;
    let hex: String = md5::Md5::digest(&whole)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(info.etag, format!("\"{hex}\""));
    assert_eq!(get(&f.store, "big"), whole);
}

#[test]
fn hostile_keys_round_trip_and_stay_inside_the_root() {
    let f = fixture();
    let long_ascii = "k".repeat(1024);
    let long_unicode = "é".repeat(512); // 1024 bytes
    let keys = [
        "../../etc/passwd",
        "..",
        ".",
        "../",
        "a//b",
        "/leading",
        "//",
        "/",
        "trailing/",
        "a/../../b",
        "spaces in name .txt",
        "100% sure?#&=+",
        "日本語/ファイル.txt",
        "emoji 🦀/x",
        "nul\0byte",
        "new\nline\r\ttab",
        "C:\\windows\\system32",
        "bucket.json",
        "tmp/x.part",
        long_ascii.as_str(),
        long_unicode.as_str(),
    ];
    for key in keys {
        put(&f.store, key, key.as_bytes());
    }
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(all_keys(&f.store), expected);
    for key in keys {
        assert_eq!(get(&f.store, key), key.as_bytes(), "{key:?}");
        assert_eq!(
            f.store
                .head_object("bucket", key)
                .map(|i| i.key)
                .ok()
                .as_deref(),
            Some(key)
        );
    }
    // Nothing was written next to the root, and inside it only the layout's
    // files exist.
    let beside: Vec<_> = fs::read_dir(&f.base)
        .expect("read base")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("store")]);
    let files = files_below(&f.root);
    let objects = files.iter().filter(|p| is_object_file(p)).count();
    assert_eq!(objects, keys.len());
    assert_eq!(files.len(), keys.len() + 1, "{files:?}");
    assert!(files.contains(&PathBuf::from("buckets/bucket/bucket.json")));

    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert_eq!(all_keys(&reopened), expected);
    for key in keys {
        assert_eq!(get(&reopened, key), key.as_bytes(), "{key:?}");
    }
    for key in keys {
        f.store.delete_object("bucket", key).expect("delete");
    }
    assert!(all_keys(&f.store).is_empty());
}

#[test]
fn key_length_limits() {
    let f = fixture();
    put(&f.store, &"a".repeat(1024), b"ok");
    let too_long = format!("{}é", "a".repeat(1023)); // 1025 bytes
    for bad in ["", "a".repeat(1025).as_str(), too_long.as_str()] {
        let err = f
            .store
            .put_object("bucket", bad, None, BTreeMap::new(), &b"x"[..])
            .err();
        assert!(
            matches!(err, Some(StoreError::InvalidKey { .. })),
            "{err:?}"
        );
        assert!(matches!(
            f.store.get_object("bucket", bad, None).err(),
            Some(StoreError::InvalidKey { .. })
        ));
        assert!(f.store.delete_object("bucket", bad).is_err());
    }
    assert_eq!(all_keys(&f.store).len(), 1);
    assert!(
        fs::read_dir(f.root.join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );
}

/// Yields `ok_bytes` bytes, then fails: a client that disconnects mid-upload.
struct FailingReader {
    ok_bytes: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok_bytes == 0 {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            ));
        }
        let n = buf.len().min(self.ok_bytes);
        buf[..n].fill(b'X');
        self.ok_bytes -= n;
        Ok(n)
    }
}

fn assert_only_v1(store: &LocalObjectStore, root: &Path, v1: &ObjectInfo) {
    assert_eq!(store.head_object("bucket", "doc").ok().as_ref(), Some(v1));
    assert_eq!(get(store, "doc"), b"version one");
    let page = store
        .list_objects_v2("bucket", &ListRequest::default())
        .expect("list");
    assert_eq!(page.objects, vec![v1.clone()]);
    let files = files_below(root);
    assert_eq!(
        files.iter().filter(|p| is_object_file(p)).count(),
        1,
        "{files:?}"
    );
}

#[test]
fn a_failure_mid_write_leaves_the_previous_version_intact() {
    let f = fixture();
    let v1 = put(&f.store, "doc", b"version one");
    let err = f
        .store
        .put_object(
            "bucket",
            "doc",
            Some("text/plain"),
            BTreeMap::new(),
            FailingReader {
                ok_bytes: 700 * 1024,
            },
        )
        .err();
    assert!(matches!(err, Some(StoreError::Body { .. })), "{err:?}");
    assert!(err.as_ref().is_some_and(StoreError::is_client_error));
    assert_only_v1(&f.store, &f.root, &v1);
    assert!(
        fs::read_dir(f.root.join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );

    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert_only_v1(&reopened, &f.root, &v1);
    assert!(reopened.skipped().is_empty());
}

#[test]
fn a_crash_mid_write_leaves_the_previous_version_intact() {
    let f = fixture();
    let v1 = put(&f.store, "doc", b"version one");
    let mut writer = f
        .store
        .begin_put("bucket", "doc", None, BTreeMap::new())
        .expect("begin");
    writer.write_chunk(&[b'Y'; 300_000]).expect("chunk");
    // The process dies: no commit, no drop.
    std::mem::forget(writer);
    assert_only_v1(&f.store, &f.root, &v1);
    assert_eq!(fs::read_dir(f.root.join("tmp")).expect("tmp").count(), 1);

    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert_only_v1(&reopened, &f.root, &v1);
    assert!(
        fs::read_dir(f.root.join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );
}

#[test]
fn an_aborted_upload_removes_its_temporary_file() {
    let f = fixture();
    let mut writer = f
        .store
        .begin_put("bucket", "doc", None, BTreeMap::new())
        .expect("begin");
    writer.write_chunk(b"partial").expect("chunk");
    drop(writer);
    assert!(
        fs::read_dir(f.root.join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );
    assert!(matches!(
        f.store.head_object("bucket", "doc"),
        Err(StoreError::NoSuchKey { .. })
    ));
}

#[test]
fn the_size_limit_is_enforced_while_streaming() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalObjectStore::open_with_limit(dir.path(), 10).expect("open");
    store.ensure_bucket("bucket", OWNER).expect("bucket");
    let v1 = put(&store, "doc", b"0123456789");
    let err = store
        .put_object("bucket", "doc", None, BTreeMap::new(), &b"0123456789A"[..])
        .err();
    assert!(
        matches!(err, Some(StoreError::TooLarge { limit: 10 })),
        "{err:?}"
    );
    let mut writer = store
        .begin_put("bucket", "doc", None, BTreeMap::new())
        .expect("begin");
    writer.write_chunk(b"012345").expect("chunk");
    assert!(writer.write_chunk(b"012345").is_err());
    assert!(
        writer.write_chunk(b"0").is_err(),
        "a failed upload stays failed"
    );
    assert!(writer.commit().is_err());
    assert_eq!(store.head_object("bucket", "doc").ok(), Some(v1));
    assert!(
        fs::read_dir(dir.path().join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );
}

#[test]
fn overwrite_replaces_and_open_readers_keep_their_version() {
    let f = fixture();
    put(&f.store, "doc", b"version one");
    let mut old = f.store.get_object("bucket", "doc", None).expect("get");
    let v2 = put(&f.store, "doc", b"version two, longer");
    let mut bytes = Vec::new();
    old.read_to_end(&mut bytes).expect("read");
    assert_eq!(bytes, b"version one");
    assert_eq!(get(&f.store, "doc"), b"version two, longer");
    assert_eq!(f.store.head_object("bucket", "doc").ok(), Some(v2));
    assert_eq!(all_keys(&f.store), vec!["doc".to_string()]);
}

#[test]
fn range_reads() {
    let f = fixture();
    put(&f.store, "digits", b"0123456789");
    put(&f.store, "empty", b"");
    let r = |range| get_range(&f.store, "digits", range).ok();
    assert_eq!(
        r(ByteRange::FromTo { first: 2, last: 5 }).as_deref(),
        Some(&b"2345"[..])
    );
    assert_eq!(
        r(ByteRange::FromTo { first: 0, last: 0 }).as_deref(),
        Some(&b"0"[..])
    );
    assert_eq!(
        r(ByteRange::FromTo {
            first: 8,
            last: 100
        })
        .as_deref(),
        Some(&b"89"[..])
    );
    assert_eq!(
        r(ByteRange::From { first: 7 }).as_deref(),
        Some(&b"789"[..])
    );
    assert_eq!(
        r(ByteRange::Suffix { len: 3 }).as_deref(),
        Some(&b"789"[..])
    );
    assert_eq!(
        r(ByteRange::Suffix { len: 50 }).as_deref(),
        Some(&b"0123456789"[..])
    );
    for bad in [
        ByteRange::From { first: 10 },
        ByteRange::FromTo { first: 5, last: 2 },
        ByteRange::FromTo {
            first: 10,
            last: 12,
        },
        ByteRange::Suffix { len: 0 },
    ] {
        assert!(matches!(
            get_range(&f.store, "digits", bad),
            Err(StoreError::InvalidRange { size: 10 })
        ));
    }
    assert!(get_range(&f.store, "empty", ByteRange::Suffix { len: 1 }).is_err());
    let body = f
        .store
        .get_object("bucket", "digits", Some(ByteRange::From { first: 4 }))
        .expect("get");
    assert!(body.partial);
    assert_eq!((body.start, body.len), (4, 6));
    // The bare file, as the server would stream it: positioned, to be read for `len`.
    let mut file = body.into_file().take(6);
    let mut out = String::new();
    file.read_to_string(&mut out).expect("read");
    assert_eq!(out, "456789");
}

#[test]
fn content_type_and_metadata_are_kept_and_persist() {
    let f = fixture();
    let meta = BTreeMap::from([
        ("Author".to_string(), "Zoë".to_string()),
        ("release".to_string(), "1.4.2".to_string()),
    ]);
    let info = f
        .store
        .put_object(
            "bucket",
            "a/b.json",
            Some("application/json"),
            meta,
            &b"{}"[..],
        )
        .expect("put");
    assert_eq!(info.content_type.as_deref(), Some("application/json"));
    assert_eq!(info.metadata.get("author").map(String::as_str), Some("Zoë"));
    f.store
        .ensure_bucket("other-bucket", "111122223333")
        .expect("bucket");

    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert_eq!(reopened.head_object("bucket", "a/b.json").ok(), Some(info));
    let buckets = reopened.list_buckets();
    let owners: Vec<_> = buckets
        .iter()
        .map(|b| (b.name.as_str(), b.owner_account_id.as_str()))
        .collect();
    assert_eq!(
        owners,
        vec![("bucket", OWNER), ("other-bucket", "111122223333")]
    );
    assert_eq!(buckets, f.store.list_buckets());
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let f = fixture();
    let v1 = put(&f.store, "doc", b"version one");
    let put_with = |ct: Option<&str>, meta: BTreeMap<String, String>| {
        f.store
            .put_object("bucket", "doc", ct, meta, &b"new"[..])
            .err()
    };
    let injected = BTreeMap::from([("x".to_string(), "a\r\nSet-Cookie: s=1".to_string())]);
    assert!(matches!(
        put_with(None, injected),
        Some(StoreError::InvalidMetadata { .. })
    ));
    let big = BTreeMap::from([("x".to_string(), "v".repeat(MAX_METADATA_BYTES))]);
    assert!(matches!(
        put_with(None, big),
        Some(StoreError::InvalidMetadata { .. })
    ));
    assert!(matches!(
        put_with(Some("text/html\nX: y"), BTreeMap::new()),
        Some(StoreError::InvalidContentType { .. })
    ));
    assert_eq!(f.store.head_object("bucket", "doc").ok(), Some(v1));

    let missing = f
        .store
        .put_object("nobucket", "doc", None, BTreeMap::new(), &b""[..])
        .err();
    assert!(matches!(missing, Some(StoreError::NoSuchBucket { .. })));
    assert!(matches!(
        f.store.list_objects_v2("nobucket", &ListRequest::default()),
        Err(StoreError::NoSuchBucket { .. })
    ));
    assert!(matches!(
        f.store.get_object("nobucket", "doc", None),
        Err(StoreError::NoSuchBucket { .. })
    ));
    assert!(matches!(
        f.store.delete_object("nobucket", "doc"),
        Err(StoreError::NoSuchBucket { .. })
    ));
    assert!(matches!(
        f.store.head_object("bucket", "nope"),
        Err(StoreError::NoSuchKey { .. })
    ));
    for bad in ["../etc", "Bucket", "ab", "a..b", "a/b"] {
        assert!(matches!(
            f.store.ensure_bucket(bad, OWNER),
            Err(StoreError::InvalidBucketName { .. })
        ));
    }
    assert!(f.store.ensure_bucket("fine-name", "12345").is_err());
    assert!(matches!(
        f.store.ensure_bucket("bucket", "111122223333"),
        Err(StoreError::BucketAlreadyExists { .. })
    ));
    assert_eq!(f.store.ensure_bucket("bucket", OWNER).ok(), Some(false));
    assert_eq!(f.store.list_buckets().len(), 1);
    let token = ListRequest {
        continuation_token: Some("!!not base64".into()),
        ..ListRequest::default()
    };
    assert!(matches!(
        f.store.list_objects_v2("bucket", &token),
        Err(StoreError::InvalidContinuationToken)
    ));
}

#[test]
fn deletes_are_idempotent() {
    let f = fixture();
    put(&f.store, "a", b"1");
    put(&f.store, "b", b"2");
    f.store.delete_object("bucket", "a").expect("delete");
    f.store.delete_object("bucket", "a").expect("delete again");
    f.store
        .delete_object("bucket", "never")
        .expect("delete missing");
    let keys = vec!["b".to_string(), "never".to_string(), String::new()];
    let report = f
        .store
        .delete_objects("bucket", &keys)
        .expect("delete many");
    assert_eq!(report.deleted, vec!["b".to_string(), "never".to_string()]);
    assert_eq!(report.errors.len(), 1);
    assert!(all_keys(&f.store).is_empty());
    let too_many = vec!["k".to_string(); MAX_DELETE_KEYS + 1];
    assert!(matches!(
        f.store.delete_objects("bucket", &too_many),
        Err(StoreError::TooManyKeys { .. })
    ));
    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert!(all_keys(&reopened).is_empty());
}

#[test]
fn seeding_creates_owned_buckets_once_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let directory = crate::Directory::demo();
    let store = LocalObjectStore::open(dir.path()).expect("open");
    let created = store.seed_from_directory(&directory).expect("seed");
    assert!(
        created.contains(&"productionapp".to_string()),
        "{created:?}"
    );
    let prod = store.head_bucket("productionapp").expect("bucket");
    assert_eq!(prod.owner_account_id, "123456789012");
    let index = store
        .head_object("productionapp", "index.html")
        .expect("sample");
    assert_eq!(index.content_type.as_deref(), Some("text/html"));

    store
        .put_object(
            "productionapp",
            "index.html",
            None,
            BTreeMap::new(),
            &b"edited"[..],
        )
        .expect("edit");
    store
        .delete_object("productionapp", "app/config.json")
        .expect("delete");
    assert!(
        store
            .seed_from_directory(&directory)
            .expect("seed")
            .is_empty()
    );
    let reopened = LocalObjectStore::open(dir.path()).expect("reopen");
    assert!(
        reopened
            .seed_from_directory(&directory)
            .expect("seed")
            .is_empty()
    );
    assert_eq!(
        reopened
            .head_object("productionapp", "index.html")
            .map(|i| i.size)
            .ok(),
        Some(6)
    );
    assert!(
        reopened
            .head_object("productionapp", "app/config.json")
            .is_err()
    );
}

#[test]
fn damaged_files_are_skipped_not_served_and_not_removed() {
    let f = fixture();
    put(&f.store, "good", b"fine");
    let victim = put(&f.store, "victim", b"will be damaged");
    let path = f
        .root
        .join("buckets/bucket")
        .join(object_file::relative_path(&victim.key));
    fs::write(&path, b"truncated").expect("damage");
    let stray = f.root.join("buckets/bucket/objects/zz");
    fs::write(&stray, b"not a directory").expect("stray");

    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert_eq!(all_keys(&reopened), vec!["good".to_string()]);
    assert_eq!(reopened.skipped().len(), 2, "{:?}", reopened.skipped());
    assert!(path.exists() && stray.exists());
}

#[test]
fn error_codes() {
    let long = StoreError::InvalidKey {
        reason: names::KEY_TOO_LONG,
    };
    assert_eq!(long.s3_code(), "KeyTooLongError");
    assert_eq!(
        StoreError::NoSuchBucket { bucket: "b".into() }.s3_code(),
        "NoSuchBucket"
    );
    assert!(
        !StoreError::Corrupt {
            path: PathBuf::new(),
            reason: String::new()
        }
        .is_client_error()
    );
}

#[test]
fn etag_is_right_at_every_block_boundary() {
    use md5::Digest;
    let f = fixture();
    const BLOCK: usize = 256 * 1024;
    for size in [1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 17] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let hex: String = md5::Md5::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // One call with everything, then odd-sized pieces.
        let whole = put(&f.store, "k", &body);
        assert_eq!(whole.etag, format!("\"{hex}\""), "{size}");
        let mut writer = f
            .store
            .begin_put("bucket", "k", None, BTreeMap::new())
            .expect("begin");
        for piece in body.chunks(100_003) {
            writer.write_chunk(piece).expect("chunk");
        }
        let info = writer.commit().expect("commit");
        assert_eq!(info.etag, whole.etag, "{size}");
        assert_eq!(get(&f.store, "k"), body);
    }
}

#[test]
fn concurrent_puts_and_gets_always_see_a_whole_version() {
    use md5::Digest;
    let f = fixture();
    put(&f.store, "hot", b"start");
    std::thread::scope(|scope| {
        for writer in 0..3u8 {
            let store = f.store.clone();
            scope.spawn(move || {
                for round in 0..15usize {
                    let body = vec![writer; 1000 + round * 40_000];
                    store
                        .put_object("bucket", "hot", None, BTreeMap::new(), &body[..])
                        .expect("put");
                }
            });
        }
        let store = f.store.clone();
        scope.spawn(move || {
            for _ in 0..60 {
                let mut body = store.get_object("bucket", "hot", None).expect("get");
                let mut bytes = Vec::new();
                body.read_to_end(&mut bytes).expect("read");
                let hex: String = md5::Md5::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(body.info.etag, format!("\"{hex}\""));
                assert_eq!(body.info.size, bytes.len() as u64);
            }
        });
    });
    assert_eq!(all_keys(&f.store), vec!["hot".to_string()]);
    assert!(
        fs::read_dir(f.root.join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );
}

#[test]
fn handles_move_between_threads() {
    // The server hands writers and bodies to blocking tasks.
    fn send<T: Send + 'static>() {}
    fn share<T: Send + Sync + 'static>() {}
    share::<LocalObjectStore>();
    send::<PutWriter>();
    send::<ObjectBody>();
    share::<StoreError>();
}

#[test]
fn a_large_upload_is_flushed_early_and_arrives_whole() {
    use md5::Digest;
    let f = fixture();
    // Past the 8 MiB early-flush mark, not a multiple of a block.
    let body: Vec<u8> = (0..9 * 1024 * 1024 + 5).map(|i| (i % 253) as u8).collect();
    let info = put(&f.store, "large", &body);
    let hex: String = md5::Md5::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(info.etag, format!("\"{hex}\""));
    let reopened = LocalObjectStore::open(&f.root).expect("reopen");
    assert_eq!(get(&reopened, "large"), body);
}

// ---- several processes on one root (shared mode) ---------------------------------------------

#[test]
fn two_shared_stores_on_one_root_see_each_others_puts_and_deletes() {
    let dir = tempfile::tempdir().expect("dir");
    let a = LocalObjectStore::open_shared(dir.path(), DEFAULT_MAX_OBJECT_SIZE).expect("a");
    a.ensure_bucket("shared", "123456789012").expect("bucket");
    let b = LocalObjectStore::open_shared(dir.path(), DEFAULT_MAX_OBJECT_SIZE).expect("b");

    a.put_object("shared", "k", None, BTreeMap::new(), &b"from a"[..])
        .expect("put on a");
    assert_eq!(b.head_object("shared", "k").expect("head on b").size, 6);
    let mut body = String::new();
    b.get_object("shared", "k", None)
        .expect("get on b")
        .read_to_string(&mut body)
        .expect("read");
    assert_eq!(body, "from a");
    let listed = b
        .list_objects_v2("shared", &ListRequest::default())
        .expect("list on b");
    assert_eq!(listed.objects.len(), 1);

    // A new version from b is what a serves, with b's record.
    b.put_object("shared", "k", None, BTreeMap::new(), &b"from b, longer"[..])
        .expect("put on b");
    let got = a.get_object("shared", "k", None).expect("get on a");
    assert_eq!(got.info.size, 14);
    b.delete_object("shared", "k").expect("delete on b");
    assert!(matches!(
        a.head_object("shared", "k"),
        Err(StoreError::NoSuchKey { .. })
    ));
    // And an object b never indexed can be deleted from b.
    a.put_object("shared", "only-a", None, BTreeMap::new(), &b"x"[..])
        .expect("put");
    b.delete_object("shared", "only-a").expect("delete");
    assert!(a.head_object("shared", "only-a").is_err());
}

#[test]
fn concurrent_puts_of_one_key_from_two_processes_leave_one_whole_version() {
    let dir = tempfile::tempdir().expect("dir");
    let a = LocalObjectStore::open_shared(dir.path(), DEFAULT_MAX_OBJECT_SIZE).expect("a");
    a.ensure_bucket("shared", "123456789012").expect("bucket");
    let b = LocalObjectStore::open_shared(dir.path(), DEFAULT_MAX_OBJECT_SIZE).expect("b");
    let bodies = [vec![b'a'; 3 << 20], vec![b'b'; 2 << 20]];
    std::thread::scope(|scope| {
        for (store, body) in [(&a, &bodies[0]), (&b, &bodies[1])] {
            scope.spawn(move || {
                for _ in 0..5 {
                    store
                        .put_object("shared", "same", None, BTreeMap::new(), &body[..])
                        .expect("put");
                }
            });
        }
    });
    for store in [&a, &b] {
        let mut got = Vec::new();
        let body = store.get_object("shared", "same", None).expect("get");
        let size = body.info.size;
        let mut body = body;
        body.read_to_end(&mut got).expect("read");
        assert_eq!(got.len() as u64, size);
        assert!(
            got == bodies[0] || got == bodies[1],
            "one whole version, never a mix"
        );
    }
}

#[test]
fn a_shared_store_leaves_young_temporary_files_of_other_processes() {
    let dir = tempfile::tempdir().expect("dir");
    LocalObjectStore::open_shared(dir.path(), DEFAULT_MAX_OBJECT_SIZE).expect("first");
    let in_flight = dir.path().join("tmp").join("0123.part");
    std::fs::write(&in_flight, b"another process's upload").expect("write");
    LocalObjectStore::open_shared(dir.path(), DEFAULT_MAX_OBJECT_SIZE).expect("second");
    assert!(in_flight.exists(), "a shared store does not remove it");
    LocalObjectStore::open(dir.path()).expect("sole owner");
    assert!(!in_flight.exists(), "the sole owner does");
}
