//! Attachment bytes, addressed by their SHA-256: on disk as `ROOT/ab/cdef…`, or in S3-compatible
//! object storage as `PREFIX/ab/cdef…` ([`s3`]). Identical files are stored once. A file is
//! written to `ROOT/tmp/` while it arrives, hashed on the way, and moved into place (renamed, or
//! sent to the bucket) only when complete, so a reader never sees half a file and a refused
//! upload leaves nothing behind.

pub mod s3;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use s3::{S3Settings, S3};

/// Where attachment bytes live and how large one file may be.
#[derive(Debug, Clone)]
pub struct FileStore {
    /// The files on disk; with object storage, only the files being received.
    root: PathBuf,
    max_bytes: u64,
    remote: Option<Arc<S3>>,
}

/// Where the bytes of a file can be read.
#[derive(Debug, Clone)]
pub enum Located {
    /// A file on this machine's disk.
    Disk(PathBuf),
    /// A signed link into object storage, good for a few minutes.
    Remote(url::Url),
}

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("storing the file: {0}")]
    Io(#[from] io::Error),
}

/// A stored file: its content address and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>, max_bytes: u64) -> Self {
        FileStore {
            root: root.into(),
            max_bytes,
            remote: None,
        }
    }

    /// The same store keeping its files in object storage (`root` then holds only the files
    /// being received).
    pub fn in_object_storage(mut self, s3: S3) -> Self {
        self.remote = Some(Arc::new(s3));
        self
    }

    /// Where the files are, for logs: the folder or `s3://bucket/prefix`.
    pub fn describe(&self) -> String {
        match &self.remote {
            Some(s3) => s3.url().to_owned(),
            None => self.root.display().to_string(),
        }
    }

    /// Whether files can be stored and read now: the folder can be written, or the bucket
    /// answers (within 2 seconds).
    pub fn check(&self) -> io::Result<()> {
        let dir = self.root.join("tmp");
        fs::create_dir_all(&dir)?;
        let (probe, _) = tempfile_in(&dir)?;
        fs::remove_file(probe)?;
        match &self.remote {
            Some(s3) => s3.check(),
            None => Ok(()),
        }
    }

    /// Where the bytes of `sha256` can be read; `None` for anything that is not a SHA-256 in
    /// hex, or bytes missing from the disk.
    pub fn locate(&self, sha256: &str) -> Option<Located> {
        let path = self.path_of(sha256)?;
        match &self.remote {
            Some(s3) => Some(Located::Remote(s3.download_url(sha256))),
            None => path.is_file().then_some(Located::Disk(path)),
        }
    }

    /// The bytes of `sha256`.
    pub fn read(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| io::Error::other("not a SHA-256 digest"))?;
        match &self.remote {
            Some(s3) => s3.get(sha256),
            None => fs::read(path),
        }
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts receiving a file.
    pub fn begin(&self) -> Result<Upload, UploadError> {
        self.begin_with_limit(self.max_bytes)
    }

    /// Starts receiving a file with its own size limit (a raw mail message, whose attachments
    /// are then held to the normal limit one by one).
    pub fn begin_with_limit(&self, max_bytes: u64) -> Result<Upload, UploadError> {
        let store = FileStore {
            max_bytes,
            ..self.clone()
        };
        let dir = self.root.join("tmp");
        fs::create_dir_all(&dir)?;
        let temp = tempfile_in(&dir)?;
        Ok(Upload {
            store,
            path: temp.0,
            file: Some(temp.1),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Stores bytes already in memory (a mail message, one of its attachments) up to
    /// `max_bytes`: hashed first, so bytes already stored cost no write; otherwise written beside
    /// their final place and renamed into it.
    pub fn put(&self, bytes: &[u8], max_bytes: u64) -> Result<StoredFile, UploadError> {
        if bytes.len() as u64 > max_bytes {
            return Err(UploadError::TooLarge { limit: max_bytes });
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let target = self
            .path_of(&sha256)
            .ok_or_else(|| io::Error::other("bad digest"))?;
        let stored = StoredFile {
            sha256,
            size: bytes.len() as u64,
        };
        if let Some(s3) = &self.remote {
            s3.put_bytes(&stored.sha256, bytes)?;
            return Ok(stored);
        }
        if target.is_file() {
            return Ok(stored);
        }
        let dir = target
            .parent()
            .ok_or_else(|| io::Error::other("no parent directory"))?;
        fs::create_dir_all(dir)?;
        let (temp, mut file) = tempfile_in(dir)?;
        let written = file
            .write_all(bytes)
            .and_then(|_| file.sync_all())
            .and_then(|_| fs::rename(&temp, &target));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e.into());
        }
        Ok(stored)
    }

    /// Where the bytes of `sha256` are on disk; `None` for anything that is not a SHA-256 in hex.
    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&sha256[..2]).join(&sha256[2..]))
    }
}

/// A file being received. Dropped before [`Upload::finish`], it removes what it wrote.
pub struct Upload {
    store: FileStore,
    path: PathBuf,
    file: Option<File>,
    hasher: Sha256,
    size: u64,
}

impl Upload {
    /// Appends a chunk; refuses it, and removes the partial file, past the size limit.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.store.max_bytes {
            self.discard();
            return Err(UploadError::TooLarge {
                limit: self.store.max_bytes,
            });
        }
        self.hasher.update(chunk);
        match self.file.as_mut() {
            Some(f) => Ok(f.write_all(chunk)?),
            None => Err(UploadError::Io(io::Error::other("upload already closed"))),
        }
    }

    /// Completes the file: flushes it and moves it to its content address (or drops it when
    /// the same bytes are already stored).
    pub fn finish(mut self) -> Result<StoredFile, UploadError> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("upload already closed"))?;
        file.flush()?;
        file.sync_all()?;
        drop(file);
        let sha256 = hex::encode(self.hasher.clone().finalize());
        let target = self
            .store
            .path_of(&sha256)
            .ok_or_else(|| io::Error::other("bad digest"))?;
        if let Some(s3) = &self.store.remote {
            let sent = s3.put_file(&sha256, &self.path, self.size);
            fs::remove_file(&self.path)?;
            sent?;
        } else if target.is_file() {
            fs::remove_file(&self.path)?;
        } else {
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::rename(&self.path, &target)?;
        }
        Ok(StoredFile {
            sha256,
            size: self.size,
        })
    }

    fn discard(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        self.discard();
    }
}

fn tempfile_in(dir: &Path) -> io::Result<(PathBuf, File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = dir.join(format!("upload-{}-{n}-{nanos}", std::process::id()));
        match File::options().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(limit: u64) -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::new(dir.path().join("files"), limit);
        (dir, s)
    }

    #[test]
    fn identical_files_are_stored_once_under_their_hash() {
        let (_d, s) = store(1024);
        let mut a = s.begin().unwrap();
        a.write(b"hello ").unwrap();
        a.write(b"world").unwrap();
        let a = a.finish().unwrap();
        let mut b = s.begin().unwrap();
        b.write(b"hello world").unwrap();
        let b = b.finish().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.size, 11);
        assert_eq!(
            a.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        let path = s.path_of(&a.sha256).unwrap();
        assert_eq!(fs::read(path).unwrap(), b"hello world");
        assert_eq!(fs::read_dir(s.root().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn a_file_over_the_limit_leaves_nothing_behind() {
        let (_d, s) = store(10);
        let mut u = s.begin().unwrap();
        u.write(b"0123456789").unwrap();
        assert!(matches!(
            u.write(b"x"),
            Err(UploadError::TooLarge { limit: 10 })
        ));
        drop(u);
        assert_eq!(fs::read_dir(s.root().join("tmp")).unwrap().count(), 0);
        let dirs = fs::read_dir(s.root()).unwrap().count();
        assert_eq!(dirs, 1, "only the tmp directory exists");
    }

    #[test]
    fn an_abandoned_upload_is_removed() {
        let (_d, s) = store(100);
        let mut u = s.begin().unwrap();
        u.write(b"partial").unwrap();
        drop(u);
        assert_eq!(fs::read_dir(s.root().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn bytes_in_memory_are_stored_once_and_held_to_the_limit() {
        let (_d, s) = store(1024);
        let a = s.put(b"hello world", 1024).unwrap();
        let b = s.put(b"hello world", 1024).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            fs::read(s.path_of(&a.sha256).unwrap()).unwrap(),
            b"hello world"
        );
        assert!(matches!(
            s.put(&[0; 11], 10),
            Err(UploadError::TooLarge { limit: 10 })
        ));
        let shard = s.path_of(&a.sha256).unwrap().parent().unwrap().to_owned();
        assert_eq!(
            fs::read_dir(shard).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }

    #[test]
    fn only_hex_digests_map_to_paths() {
        let (_d, s) = store(1);
        assert!(s.path_of("../../etc/passwd").is_none());
        assert!(s.path_of(&"g".repeat(64)).is_none());
        assert!(s.path_of(&"a".repeat(64)).is_some());
    }
}
