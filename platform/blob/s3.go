package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 keeps objects in an S3 bucket (or an S3-compatible server). Presigned
// PUTs sign Content-Length and Content-Type, so S3 itself refuses an upload
// of another size or declared type; what the bytes really are is for the
// caller to check with Head.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
	now     func() time.Time
}

// S3Options configure an S3 store.
type S3Options struct {
	Bucket string
	// Endpoint, when set, is an S3-compatible server's URL; requests then
	// use path-style addressing (http://host/bucket/key), which such servers
	// expect.
	Endpoint string
}

// NewS3 builds the store on cfg (region and credentials as the SDK finds
// them).
func NewS3(cfg aws.Config, o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("blob: S3 needs a bucket")
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			so.UsePathStyle = true
		}
		// Checksums only where S3 requires them: a presigned PUT must not
		// carry one the browser cannot compute.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &S3{client: client, presign: s3.NewPresignClient(client), bucket: o.Bucket, now: time.Now}, nil
}

// PresignPut implements Store.
func (s *S3) PresignPut(ctx context.Context, key string, p PutParams) (Request, error) {
	if err := checkPut(key, p); err != nil {
		return Request{}, err
	}
	start := s.now()
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &key, ContentType: &p.ContentType, ContentLength: &p.Size,
	}, s3.WithPresignExpires(p.TTL))
	if err != nil {
		return Request{}, fmt.Errorf("blob: presign put: %w", err)
	}
	return Request{URL: req.URL, Method: req.Method, Header: headersOf(req.SignedHeader), ExpiresAt: start.Add(p.TTL).UTC().Truncate(time.Second)}, nil
}

// PresignGet implements Store.
func (s *S3) PresignGet(ctx context.Context, key string, p GetParams) (Request, error) {
	if err := ValidKey(key); err != nil {
		return Request{}, err
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &key}
	if p.Filename != "" {
		in.ResponseContentDisposition = aws.String(mime.FormatMediaType("inline", map[string]string{"filename": p.Filename}))
	}
	start := s.now()
	req, err := s.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(p.TTL))
	if err != nil {
		return Request{}, fmt.Errorf("blob: presign get: %w", err)
	}
	return Request{URL: req.URL, Method: req.Method, Header: headersOf(req.SignedHeader), ExpiresAt: start.Add(p.TTL).UTC().Truncate(time.Second)}, nil
}

// headersOf keeps the signed headers a client must send (Host is implied by
// the URL).
func headersOf(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if strings.EqualFold(k, "Host") || len(v) == 0 {
			continue
		}
		out[http.CanonicalHeaderKey(k)] = v[0]
	}
	return out
}

// Head implements Store: HEAD for the size and type, and a ranged GET of
// the first SniffLen bytes for what the object really is.
func (s *S3) Head(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	h, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if isNotFound(err) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: head: %w", err)
	}
	info := Info{Size: aws.ToInt64(h.ContentLength), ContentType: aws.ToString(h.ContentType)}
	if info.Size == 0 {
		return info, nil
	}
	g, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key, Range: aws.String(fmt.Sprintf("bytes=0-%d", SniffLen-1))})
	if isNotFound(err) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: read head: %w", err)
	}
	defer g.Body.Close()
	b, err := io.ReadAll(io.LimitReader(g.Body, SniffLen))
	if err != nil {
		return Info{}, fmt.Errorf("blob: read head: %w", err)
	}
	info.Sniffed = Sniff(b)
	return info, nil
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var nf *types.NotFound
	var nk *types.NoSuchKey
	var re *awshttp.ResponseError
	return errors.As(err, &nf) || errors.As(err, &nk) || errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// Copy implements Store (CopyObject: up to 5 GB in one request).
func (s *S3) Copy(ctx context.Context, src, dst string) error {
	if err := errors.Join(ValidKey(src), ValidKey(dst)); err != nil {
		return err
	}
	// Keys are ValidKey: nothing in them needs escaping.
	_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &s.bucket, Key: &dst, CopySource: aws.String(s.bucket + "/" + src)})
	if isNotFound(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("blob: copy: %w", err)
	}
	return nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil && !isNotFound(err) {
		return fmt.Errorf("blob: delete: %w", err)
	}
	return nil
}

// DeletePrefix implements Store: list a page, delete it in one request,
// until the prefix is empty.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := validPrefix(prefix); err != nil {
		return 0, err
	}
	n := 0
	for {
		page, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix, MaxKeys: aws.Int32(1000)})
		if err != nil {
			return n, fmt.Errorf("blob: list: %w", err)
		}
		if len(page.Contents) == 0 {
			return n, nil
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &s.bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return n, fmt.Errorf("blob: delete objects: %w", err)
		}
		if len(out.Errors) > 0 {
			return n, fmt.Errorf("blob: delete objects: %s: %s", aws.ToString(out.Errors[0].Key), aws.ToString(out.Errors[0].Message))
		}
		n += len(ids)
	}
}
