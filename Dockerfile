# syntax=docker/dockerfile:1
# The Brain's one binary in a minimal image. Build: docker build -t thebrain .
# Multi-platform: the build stage runs natively and cross-compiles for the
# target (docker buildx build --platform linux/arm64 for Graviton/Fargate).
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" -o /out/thebrain ./cmd/thebrain

# distroless/static: no shell, no package manager; a static binary and CA
# certificates (AWS, the AI providers). Runs as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/thebrain /thebrain
ENV THEBRAIN_HTTP_ADDR=:8080 THEBRAIN_LOG_FORMAT=json THEBRAIN_DATA_DIR=/tmp/thebrain
EXPOSE 8080
USER nonroot:nonroot
# serve's readiness; worker and collab override it with their own port
# (compose.yaml, deploy/cdk). No shell here: the binary probes itself.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/thebrain", "healthcheck", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/thebrain"]
CMD ["serve"]
