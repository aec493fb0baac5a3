// Package knn is exact brute-force k-nearest-neighbour classification by
// euclidean distance, fast enough for the full Fashion-MNIST protocol
// (10,000 queries against 60,000 training rows of 784 values in seconds).
//
// Search screens candidates with squared distances through the identity
// ||q||² - 2 q·x + ||x||², the products on hourglass's float32 matrix
// kernel (internal/numeric/gemm) in tiles of queries x training rows sized for the
// cache, all cores busy. Rounding never changes the answer: every training
// row whose float32 screen comes within a proven bound of the k-th nearest
// is kept, and the kept candidates are ranked by distances recomputed in
// float64 (the sum of squared differences in index order). Ties are
// deterministic: equal distances go to the lower training index, and a
// tied vote goes to the smallest label (scikit-learn's rule).
//
// Classifier wraps the search in golearn's base.Classifier interface, so
// golearn's evaluation package (confusion matrices, per-class precision,
// recall and F1, cross-fold validation) runs on it.
package knn
