# isapi-harness on Debian 12, for those who do not run Debian: builds the
# project and its Debian package as the README does, then runs the swap demo
# from the installed package (docs/packaging.md).
#
#   docker build -t isapi-harness .
#   docker run --rm -v "$PWD/out:/out" isapi-harness     # the swap demo; reports in ./out
#   docker run --rm -p 8080:8080 isapi-harness \
#     isapi-host --listen 0.0.0.0:8080 --map /hello.dll=/usr/lib/isapi-harness/samples/hello.so
#
# The `sdk` stage adds the compiler and CMake, for building an extension:
#   docker build --target sdk -t isapi-harness-sdk .
#   docker run --rm -v "$PWD:/ext" isapi-harness-sdk \
#     sh -c 'cmake -S /ext -B /tmp/b && cmake --build /tmp/b && ls /tmp/b'

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# The tests and benchmarks are left out here: scripts/test.sh runs them.
RUN cmake --preset release -DISAPI_BUILD_TESTS=OFF -DISAPI_BUILD_BENCH=OFF \
 && cmake --build --preset release \
 && cd build/release && cpack -G DEB

FROM build AS sdk
RUN apt-get update && apt-get install -y --no-install-recommends ./build/release/isapi-harness_*.deb \
 && rm -rf /var/lib/apt/lists/*

FROM debian:12 AS demo
COPY --from=build /src/build/release/isapi-harness_*.deb /tmp/
RUN apt-get update && apt-get install -y --no-install-recommends /tmp/isapi-harness_*.deb curl \
 && rm -rf /var/lib/apt/lists/* /tmp/isapi-harness_*.deb
WORKDIR /out
CMD ["isapi-loadgen", "swap", "--samples-dir", "/usr/lib/isapi-harness/samples", \
     "--html", "/out/swap-demo.html", "--json", "/out/swap-demo.json"]
