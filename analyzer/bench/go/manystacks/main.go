// Benchmark input generator: a Go heap profile with N distinct stacks (MemProfileRate=1).
// Usage: manystacks OUT.pb.gz [N=200000]
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var kept [][]byte

const depth = 7

var steps [10]func(int, uint32)

//go:noinline
func allocateLeaf() { kept = append(kept, make([]byte, 64)) }

//go:noinline
func step(d int, code uint32) {
	if d == 0 {
		allocateLeaf()
		return
	}
	steps[code%10](d-1, code/10)
}

//go:noinline
func step0(d int, c uint32) { step(d, c) }

//go:noinline
func step1(d int, c uint32) { step(d, c) }

//go:noinline
func step2(d int, c uint32) { step(d, c) }

//go:noinline
func step3(d int, c uint32) { step(d, c) }

//go:noinline
func step4(d int, c uint32) { step(d, c) }

//go:noinline
func step5(d int, c uint32) { step(d, c) }

//go:noinline
func step6(d int, c uint32) { step(d, c) }

//go:noinline
func step7(d int, c uint32) { step(d, c) }

//go:noinline
func step8(d int, c uint32) { step(d, c) }

//go:noinline
func step9(d int, c uint32) { step(d, c) }

func main() {
	runtime.MemProfileRate = 1
	steps = [10]func(int, uint32){step0, step1, step2, step3, step4, step5, step6, step7, step8, step9}
	n := 200000
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	kept = make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		steps[i%10](depth, uint32(i/10))
	}
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		panic(err)
	}
	f.Close()
	runtime.KeepAlive(kept)
}
