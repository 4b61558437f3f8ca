# syntax=docker/dockerfile:1
# The Brain's one binary in a minimal image. Build: docker build -t thebrain .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/thebrain ./cmd/thebrain

# distroless/static: no shell, no package manager, runs as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/thebrain /thebrain
ENV THEBRAIN_HTTP_ADDR=:8080 THEBRAIN_LOG_FORMAT=json THEBRAIN_DATA_DIR=/tmp/thebrain
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/thebrain"]
CMD ["serve"]
