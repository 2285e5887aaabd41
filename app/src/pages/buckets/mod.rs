//! The bucket browser: the buckets list (`/s3`), a bucket's folder view
//! (`/s3/buckets/{bucket}?prefix=`) and an object's details (`/s3/object/{bucket}?key=`).
//!
//! Every request is decided server-side with the held role (or the user's own permissions);
//! a refusal shows "Access denied" in place. Bodies go through the server's streaming routes.

mod bucket;
mod bucket_list;
mod object_details;
mod object_table;

pub use bucket::BucketPage;
pub use bucket_list::BucketsPage;
pub use object_details::ObjectDetailsPage;
