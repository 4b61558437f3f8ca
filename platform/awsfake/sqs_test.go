package awsfake_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/thebrain/thebrain/platform/awsfake"
)

// client is the real SDK client, pointed at the fake.
func client(t *testing.T, f *awsfake.SQS) *sqs.Client {
	t.Helper()
	return sqs.New(sqs.Options{
		Region:       awsfake.Region,
		BaseEndpoint: aws.String(f.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func newQueues(t *testing.T, maxReceive int) (*awsfake.SQS, *sqs.Client, string, string) {
	t.Helper()
	f := awsfake.NewSQS()
	t.Cleanup(f.Close)
	c := client(t, f)
	ctx := context.Background()
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{
		"VisibilityTimeout": "30",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + attrs.Attributes["QueueArn"] + `","maxReceiveCount":"` + strconv.Itoa(maxReceive) + `"}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return f, c, *q.QueueUrl, *dlq.QueueUrl
}

func receive(t *testing.T, c *sqs.Client, url string, wait, vis int32) []types.Message {
	t.Helper()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: wait, VisibilityTimeout: vis,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

func TestSQSLifecycle(t *testing.T) {
	t.Parallel()
	_, c, url, dlqURL := newQueues(t, 2)
	ctx := context.Background()

	// GetQueueUrl finds it; an unknown queue is QueueDoesNotExist.
	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("jobs")})
	if err != nil || *got.QueueUrl != url {
		t.Fatalf("GetQueueUrl = %v, %v", got, err)
	}
	var missing *types.QueueDoesNotExist
	if _, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")}); !errors.As(err, &missing) {
		t.Fatalf("unknown queue: %v", err)
	}

	// Send (the SDK checks MD5OfMessageBody) and a batch.
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("job-1")}); err != nil {
		t.Fatal(err)
	}
	batch, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("job-2")}, {Id: aws.String("b"), MessageBody: aws.String("job-3")},
	}})
	if err != nil || len(batch.Successful) != 2 || len(batch.Failed) != 0 {
		t.Fatalf("SendMessageBatch = %+v, %v", batch, err)
	}

	// Receive all three; they are then in flight and not received again.
	msgs := receive(t, c, url, 0, 30)
	if len(msgs) != 3 || *msgs[0].Body != "job-1" || msgs[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("first receive: %+v", msgs)
	}
	if again := receive(t, c, url, 0, 30); len(again) != 0 {
		t.Fatalf("in-flight messages came back: %+v", again)
	}

	// Delete one; make another visible at once (a failed attempt).
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: msgs[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	second := receive(t, c, url, 0, 30)
	if len(second) != 1 || *second[0].Body != "job-2" || second[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after ChangeMessageVisibility(0): %+v", second)
	}
	// The first receipt of job-2 is stale: deleting with it succeeds but
	// deletes nothing, as in SQS; changing its visibility is refused.
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: msgs[1].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0}); err == nil {
		t.Fatal("a stale receipt changed the visibility")
	}

	// A third receive of job-2 exceeds maxReceiveCount 2: it goes to the
	// dead-letter queue instead of being delivered.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: second[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	if third := receive(t, c, url, 0, 30); len(third) != 0 {
		t.Fatalf("a message past maxReceiveCount was delivered: %+v", third)
	}
	dead := receive(t, c, dlqURL, 0, 30)
	if len(dead) != 1 || *dead[0].Body != "job-2" {
		t.Fatalf("dead-letter queue: %+v", dead)
	}

	// Batch delete of the remaining in-flight job-3.
	del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("x"), ReceiptHandle: msgs[2].ReceiptHandle},
	}})
	if err != nil || len(del.Successful) != 1 {
		t.Fatalf("DeleteMessageBatch = %+v, %v", del, err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("queue not empty: %v, %v", attrs.Attributes, err)
	}
}

func TestSQSLongPoll(t *testing.T) {
	t.Parallel()
	_, c, url, _ := newQueues(t, 3)
	ctx := context.Background()

	// An empty queue holds the receive for the wait time.
	start := time.Now()
	if msgs := receive(t, c, url, 1, 30); len(msgs) != 0 {
		t.Fatalf("empty queue gave %+v", msgs)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("long poll returned after %v, want about 1 s", d)
	}

	// A message sent during the wait is delivered at once.
	go func() {
		time.Sleep(200 * time.Millisecond)
		_, _ = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("late")})
	}()
	start = time.Now()
	msgs := receive(t, c, url, 10, 1)
	if len(msgs) != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("long poll: %+v after %v", msgs, time.Since(start))
	}
	// Its visibility timeout of 1 s runs out and a waiting receive gets it back.
	again := receive(t, c, url, 5, 30)
	if len(again) != 1 || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility timeout: %+v", again)
	}
}

func TestSQSDown(t *testing.T) {
	t.Parallel()
	f, c, url, _ := newQueues(t, 3)
	c = sqs.New(sqs.Options{Region: awsfake.Region, BaseEndpoint: aws.String(f.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	f.SetDown(true)
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")}); err == nil {
		t.Fatal("send succeeded while the fake was down")
	}
	f.SetDown(false)
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if f.Calls("SendMessage") != 2 {
		t.Fatalf("SendMessage calls = %d", f.Calls("SendMessage"))
	}
}
