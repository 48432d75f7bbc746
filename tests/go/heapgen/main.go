// heapgen writes real Go heap profiles for leakscope's tests:
//   heapgen DIR RATE  ->  DIR/heap.pb.gz (runtime/pprof proto) and DIR/heap.txt (debug=1 legacy text)
// It allocates known amounts from known functions, keeps some, frees others, with
// runtime.MemProfileRate = RATE (1 records every allocation).
package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var kept [][]byte
var sink []byte

//go:noinline
func retainSmall() {
	for i := 0; i < 2000; i++ {
		kept = append(kept, make([]byte, 200))
	}
}

//go:noinline
func retainLarge() {
	for i := 0; i < 40; i++ {
		kept = append(kept, make([]byte, 64<<10))
	}
}

//go:noinline
func churn() {
	for i := 0; i < 5000; i++ {
		sink = make([]byte, 1024) // escapes: a real heap allocation, then garbage
	}
}

//go:noinline
func level2() { retainSmall() }

//go:noinline
func level1() { level2(); retainLarge() }

func main() {
	dir := os.Args[1]
	rate, _ := strconv.Atoi(os.Args[2])
	runtime.MemProfileRate = rate
	kept = make([][]byte, 0, 4096)
	level1()
	churn()
	runtime.GC()
	runtime.GC()
	write := func(name string, f func(*os.File) error) {
		out, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			panic(err)
		}
		if err := f(out); err != nil {
			panic(err)
		}
		out.Close()
	}
	write("heap.pb.gz", func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	write("heap.txt", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 1) })
	runtime.KeepAlive(kept)
}
