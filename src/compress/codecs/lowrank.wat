;; SIMD kernels for the three low-rank products (see lowrank-kernels.ts for the scalar versions and
;; lowrank-simd.ts for the calling conventions). Assembled by `npm run build:wasm` into
;; lowrank-wasm.ts; a test checks that the two agree.
;;
;; Every sum is a float64 chain over the same terms in the same order as the scalar kernels, two
;; independent chains per f64x2 (no fused multiply-add), so results are bit-identical. The scalar
;; kernels skip terms whose m (left) or p (right) entry is zero; here those terms are added, which
;; changes nothing as long as the other factor is finite (the term is then ±0 and a sum that starts
;; at +0 is never −0), so the caller checks q (left) or m (right) for finiteness first.
;; Addresses are byte offsets; f64 arrays are 8-aligned, f32 arrays 4-aligned.
(module
 (memory (export "memory") 1)

 ;; p = m·q for r % 4 == 0: two rows by four columns. m: f32 rows × cols; q: f64 cols × r; p: f64 rows × r.
 (func (export "left4") (param $m i32) (param $rows i32) (param $cols i32) (param $q i32) (param $r i32) (param $p i32)
  (local $i i32) (local $ra i32) (local $rb i32) (local $c i32) (local $j i32) (local $qp i32)
  (local $rowBytes i32) (local $qStride i32) (local $o i32)
  (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
  (local $qa v128) (local $qb v128) (local $va v128) (local $vb v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qStride (i32.shl (local.get $r) (i32.const 3)))
  (loop $rowsL
   (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
   ;; an odd last row is paired with itself and written once
   (local.set $rb (select (i32.add (local.get $ra) (local.get $rowBytes)) (local.get $ra)
                   (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $rows))))
   (local.set $c (i32.const 0))
   (loop $colsL
    (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
    (local.set $b0 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
    (local.set $qp (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3))))
    (local.set $j (i32.const 0))
    (loop $jL
     (local.set $qa (v128.load (local.get $qp)))
     (local.set $qb (v128.load offset=16 (local.get $qp)))
     (local.set $va (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $ra) (local.get $j))))))
     (local.set $vb (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $rb) (local.get $j))))))
     (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $va) (local.get $qa))))
     (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $va) (local.get $qb))))
     (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $vb) (local.get $qa))))
     (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $vb) (local.get $qb))))
     (local.set $qp (i32.add (local.get $qp) (local.get $qStride)))
     (br_if $jL (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $rowBytes))))
    (local.set $o (i32.add (local.get $p)
                   (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $c)) (i32.const 3))))
    (v128.store (local.get $o) (local.get $a0))
    (v128.store offset=16 (local.get $o) (local.get $a1))
    (if (i32.ne (local.get $ra) (local.get $rb)) (then
     (local.set $o (i32.add (local.get $o) (local.get $qStride)))
     (v128.store (local.get $o) (local.get $b0))
     (v128.store offset=16 (local.get $o) (local.get $b1))))
    (br_if $colsL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $r))))
   (br_if $rowsL (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $rows)))))

 ;; p = m·q for even r: two rows by two columns.
 (func (export "left2") (param $m i32) (param $rows i32) (param $cols i32) (param $q i32) (param $r i32) (param $p i32)
  (local $i i32) (local $ra i32) (local $rb i32) (local $c i32) (local $j i32) (local $qp i32)
  (local $rowBytes i32) (local $qStride i32) (local $o i32)
  (local $a0 v128) (local $b0 v128) (local $qa v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qStride (i32.shl (local.get $r) (i32.const 3)))
  (loop $rowsL
   (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
   (local.set $rb (select (i32.add (local.get $ra) (local.get $rowBytes)) (local.get $ra)
                   (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $rows))))
   (local.set $c (i32.const 0))
   (loop $colsL
    (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
    (local.set $qp (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3))))
    (local.set $j (i32.const 0))
    (loop $jL
     (local.set $qa (v128.load (local.get $qp)))
     (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul
      (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $ra) (local.get $j))))) (local.get $qa))))
     (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul
      (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $rb) (local.get $j))))) (local.get $qa))))
     (local.set $qp (i32.add (local.get $qp) (local.get $qStride)))
     (br_if $jL (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $rowBytes))))
    (local.set $o (i32.add (local.get $p)
                   (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $c)) (i32.const 3))))
    (v128.store (local.get $o) (local.get $a0))
    (if (i32.ne (local.get $ra) (local.get $rb)) (then
     (v128.store (i32.add (local.get $o) (local.get $qStride)) (local.get $b0))))
    (br_if $colsL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 2))) (local.get $r))))
   (br_if $rowsL (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $rows)))))

 ;; p = m·q for any r: four rows (two per vector, lane = row) by one column; rows past the end
 ;; repeat the last row and are not written.
 (func (export "leftRows") (param $m i32) (param $rows i32) (param $cols i32) (param $q i32) (param $r i32) (param $p i32)
  (local $i i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $last i32)
  (local $c i32) (local $j i32) (local $qp i32) (local $rowBytes i32) (local $qStride i32) (local $o i32)
  (local $s01 v128) (local $s23 v128) (local $qv v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qStride (i32.shl (local.get $r) (i32.const 3)))
  (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
  (loop $rowsL
   (local.set $r0 (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
   (local.set $r1 (i32.add (local.get $m) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $last)
     (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $rows))) (local.get $rowBytes))))
   (local.set $r2 (i32.add (local.get $m) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $last)
     (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $rows))) (local.get $rowBytes))))
   (local.set $r3 (i32.add (local.get $m) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $last)
     (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $rows))) (local.get $rowBytes))))
   (local.set $c (i32.const 0))
   (loop $colsL
    (local.set $s01 (v128.const i64x2 0 0)) (local.set $s23 (v128.const i64x2 0 0))
    (local.set $qp (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3))))
    (local.set $j (i32.const 0))
    (loop $jL
     (local.set $qv (v128.load64_splat (local.get $qp)))
     (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $qv)
      (f64x2.replace_lane 1
       (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $r0) (local.get $j)))))
       (f64.promote_f32 (f32.load (i32.add (local.get $r1) (local.get $j))))))))
     (local.set $s23 (f64x2.add (local.get $s23) (f64x2.mul (local.get $qv)
      (f64x2.replace_lane 1
       (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $r2) (local.get $j)))))
       (f64.promote_f32 (f32.load (i32.add (local.get $r3) (local.get $j))))))))
     (local.set $qp (i32.add (local.get $qp) (local.get $qStride)))
     (br_if $jL (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $rowBytes))))
    (local.set $o (i32.add (local.get $p)
                   (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $c)) (i32.const 3))))
    (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $s01)))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $rows)) (then
     (f64.store (i32.add (local.get $o) (local.get $qStride)) (f64x2.extract_lane 1 (local.get $s01)))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $rows)) (then
     (f64.store (i32.add (local.get $o) (i32.shl (local.get $qStride) (i32.const 1))) (f64x2.extract_lane 0 (local.get $s23)))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $rows)) (then
     (f64.store (i32.add (local.get $o) (i32.mul (local.get $qStride) (i32.const 3))) (f64x2.extract_lane 1 (local.get $s23)))))
    (br_if $colsL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $r))))
   (br_if $rowsL (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $rows)))))

 ;; q = mᵀ·p (q zeroed by the caller) for r % 4 == 0, over the blocks of four rows: four rows by four
 ;; columns, each m value loaded once for two vectors of q. Returns the first row not done.
 (func (export "right4") (param $m i32) (param $rows i32) (param $cols i32) (param $p i32) (param $r i32) (param $q i32) (result i32)
  (local $i i32) (local $ra i32) (local $c i32) (local $j i32) (local $o i32) (local $pa i32)
  (local $rowBytes i32) (local $qStride i32) (local $pStride i32) (local $qEnd i32)
  (local $xa v128) (local $xb v128) (local $xc v128) (local $xd v128)
  (local $ya v128) (local $yb v128) (local $yc v128) (local $yd v128)
  (local $ma v128) (local $mb v128) (local $mc v128) (local $md v128) (local $v v128) (local $w v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qStride (i32.shl (local.get $r) (i32.const 3)))
  (local.set $pStride (i32.shl (local.get $r) (i32.const 2)))
  (local.set $qEnd (i32.add (local.get $q) (i32.mul (local.get $cols) (local.get $qStride))))
  (block $done
   (br_if $done (i32.gt_u (i32.const 4) (local.get $rows)))
   (loop $rowsL
    (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
    (local.set $pa (i32.add (local.get $p) (i32.mul (local.get $i) (local.get $pStride))))
    (local.set $c (i32.const 0))
    (loop $colsL
     (local.set $xa (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $pa))))
     (local.set $ya (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $pa))))
     (local.set $o (i32.add (local.get $pa) (local.get $pStride)))
     (local.set $xb (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $o))))
     (local.set $yb (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $o))))
     (local.set $o (i32.add (local.get $o) (local.get $pStride)))
     (local.set $xc (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $o))))
     (local.set $yc (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $o))))
     (local.set $o (i32.add (local.get $o) (local.get $pStride)))
     (local.set $xd (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $o))))
     (local.set $yd (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $o))))
     (local.set $o (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3))))
     (local.set $j (local.get $ra))
     (loop $jL
      (local.set $ma (f64x2.splat (f64.promote_f32 (f32.load (local.get $j)))))
      (local.set $mb (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $j) (local.get $rowBytes))))))
      (local.set $mc (f64x2.splat (f64.promote_f32
       (f32.load (i32.add (local.get $j) (i32.shl (local.get $rowBytes) (i32.const 1)))))))
      (local.set $md (f64x2.splat (f64.promote_f32
       (f32.load (i32.add (local.get $j) (i32.mul (local.get $rowBytes) (i32.const 3)))))))
      (local.set $v (f64x2.add (v128.load (local.get $o)) (f64x2.mul (local.get $ma) (local.get $xa))))
      (local.set $w (f64x2.add (v128.load offset=16 (local.get $o)) (f64x2.mul (local.get $ma) (local.get $ya))))
      (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $mb) (local.get $xb))))
      (local.set $w (f64x2.add (local.get $w) (f64x2.mul (local.get $mb) (local.get $yb))))
      (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $mc) (local.get $xc))))
      (local.set $w (f64x2.add (local.get $w) (f64x2.mul (local.get $mc) (local.get $yc))))
      (v128.store (local.get $o) (f64x2.add (local.get $v) (f64x2.mul (local.get $md) (local.get $xd))))
      (v128.store offset=16 (local.get $o) (f64x2.add (local.get $w) (f64x2.mul (local.get $md) (local.get $yd))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br_if $jL (i32.lt_u (local.tee $o (i32.add (local.get $o) (local.get $qStride))) (local.get $qEnd))))
     (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
     (br_if $colsL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $r))))
    (br_if $rowsL (i32.le_u (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 4)) (local.get $rows)))))
  (local.get $i))

 ;; right4 for even r: four rows by two columns. Returns the first row not done.
 (func (export "right2") (param $m i32) (param $rows i32) (param $cols i32) (param $p i32) (param $r i32) (param $q i32) (result i32)
  (local $i i32) (local $ra i32) (local $c i32) (local $j i32) (local $o i32) (local $pa i32)
  (local $rowBytes i32) (local $qStride i32) (local $pStride i32) (local $qEnd i32)
  (local $xa v128) (local $xb v128) (local $xc v128) (local $xd v128) (local $v v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qStride (i32.shl (local.get $r) (i32.const 3)))
  (local.set $pStride (i32.shl (local.get $r) (i32.const 2)))
  (local.set $qEnd (i32.add (local.get $q) (i32.mul (local.get $cols) (local.get $qStride))))
  (block $done
   (br_if $done (i32.gt_u (i32.const 4) (local.get $rows)))
   (loop $rowsL
    (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
    (local.set $pa (i32.add (local.get $p) (i32.mul (local.get $i) (local.get $pStride))))
    (local.set $c (i32.const 0))
    (loop $colsL
     (local.set $xa (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $pa))))
     (local.set $xb (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pa) (local.get $pStride)))))
     (local.set $xc (f64x2.promote_low_f32x4
      (v128.load64_zero (i32.add (local.get $pa) (i32.shl (local.get $pStride) (i32.const 1))))))
     (local.set $xd (f64x2.promote_low_f32x4
      (v128.load64_zero (i32.add (local.get $pa) (i32.mul (local.get $pStride) (i32.const 3))))))
     (local.set $o (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3))))
     (local.set $j (local.get $ra))
     (loop $jL
      (local.set $v (v128.load (local.get $o)))
      (local.set $v (f64x2.add (local.get $v) (f64x2.mul
       (f64x2.splat (f64.promote_f32 (f32.load (local.get $j)))) (local.get $xa))))
      (local.set $v (f64x2.add (local.get $v) (f64x2.mul
       (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $j) (local.get $rowBytes))))) (local.get $xb))))
      (local.set $v (f64x2.add (local.get $v) (f64x2.mul
       (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $j) (i32.shl (local.get $rowBytes) (i32.const 1))))))
       (local.get $xc))))
      (local.set $v (f64x2.add (local.get $v) (f64x2.mul
       (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $j) (i32.mul (local.get $rowBytes) (i32.const 3))))))
       (local.get $xd))))
      (v128.store (local.get $o) (local.get $v))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br_if $jL (i32.lt_u (local.tee $o (i32.add (local.get $o) (local.get $qStride))) (local.get $qEnd))))
     (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
     (br_if $colsL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 2))) (local.get $r))))
    (br_if $rowsL (i32.le_u (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 4)) (local.get $rows)))))
  (local.get $i))

 ;; The rows from $i on, one at a time, two columns at a time (even r), after right4 or right2.
 (func (export "rightTail") (param $m i32) (param $rows i32) (param $cols i32) (param $p i32) (param $r i32) (param $q i32) (param $i i32)
  (local $ra i32) (local $c i32) (local $j i32) (local $o i32) (local $pa i32)
  (local $rowBytes i32) (local $qStride i32) (local $pStride i32) (local $qEnd i32) (local $xa v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qStride (i32.shl (local.get $r) (i32.const 3)))
  (local.set $pStride (i32.shl (local.get $r) (i32.const 2)))
  (local.set $qEnd (i32.add (local.get $q) (i32.mul (local.get $cols) (local.get $qStride))))
  (block $done
   (br_if $done (i32.ge_u (local.get $i) (local.get $rows)))
   (loop $rowsL
    (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
    (local.set $pa (i32.add (local.get $p) (i32.mul (local.get $i) (local.get $pStride))))
    (local.set $c (i32.const 0))
    (loop $colsL
     (local.set $xa (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $pa))))
     (local.set $o (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3))))
     (local.set $j (local.get $ra))
     (loop $jL
      (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
       (f64x2.mul (f64x2.splat (f64.promote_f32 (f32.load (local.get $j)))) (local.get $xa))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br_if $jL (i32.lt_u (local.tee $o (i32.add (local.get $o) (local.get $qStride))) (local.get $qEnd))))
     (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
     (br_if $colsL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 2))) (local.get $r))))
    (br_if $rowsL (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $rows))))))

 ;; q = mᵀ·p (q zeroed by the caller) for r = 1 and even cols: four rows by two outputs q[j], q[j+1].
 (func (export "right1") (param $m i32) (param $rows i32) (param $cols i32) (param $p i32) (param $q i32)
  (local $i i32) (local $ra i32) (local $j i32) (local $o i32) (local $rowBytes i32) (local $qEnd i32)
  (local $xa v128) (local $xb v128) (local $xc v128) (local $xd v128) (local $v v128)
  (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $qEnd (i32.add (local.get $q) (i32.shl (local.get $cols) (i32.const 3))))
  (block $fourDone
   (br_if $fourDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $rows)))
   (loop $rowsL
    (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
    (local.set $xa (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
    (local.set $xb (f64x2.splat (f64.promote_f32 (f32.load offset=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
    (local.set $xc (f64x2.splat (f64.promote_f32 (f32.load offset=8 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
    (local.set $xd (f64x2.splat (f64.promote_f32 (f32.load offset=12 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
    (local.set $o (local.get $q))
    (local.set $j (local.get $ra))
    (loop $jL
     (local.set $v (v128.load (local.get $o)))
     (local.set $v (f64x2.add (local.get $v) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $j))) (local.get $xa))))
     (local.set $v (f64x2.add (local.get $v) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $j) (local.get $rowBytes)))) (local.get $xb))))
     (local.set $v (f64x2.add (local.get $v) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $j) (i32.shl (local.get $rowBytes) (i32.const 1))))) (local.get $xc))))
     (local.set $v (f64x2.add (local.get $v) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $j) (i32.mul (local.get $rowBytes) (i32.const 3))))) (local.get $xd))))
     (v128.store (local.get $o) (local.get $v))
     (local.set $j (i32.add (local.get $j) (i32.const 8)))
     (br_if $jL (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 16))) (local.get $qEnd))))
    (br_if $rowsL (i32.le_u (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 4)) (local.get $rows)))))
  (block $tailDone
   (br_if $tailDone (i32.ge_u (local.get $i) (local.get $rows)))
   (loop $tailL
    (local.set $ra (i32.add (local.get $m) (i32.mul (local.get $i) (local.get $rowBytes))))
    (local.set $xa (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
    (local.set $o (local.get $q))
    (local.set $j (local.get $ra))
    (loop $jL
     (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
      (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $j))) (local.get $xa))))
     (local.set $j (i32.add (local.get $j) (i32.const 8)))
     (br_if $jL (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 16))) (local.get $qEnd))))
    (br_if $tailL (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $rows))))))

 ;; out = p·qᵀ rounded to f32, for even cols: four rows (clamped) by two columns. p: f64 rows × r;
 ;; qt: f64 r × cols (q transposed). Returns 1 when every value is finite, else 0.
 (func (export "factor") (param $p i32) (param $qt i32) (param $rows i32) (param $cols i32) (param $r i32) (param $out i32) (result i32)
  (local $i i32) (local $j i32) (local $c i32) (local $last i32)
  (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $qp i32)
  (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
  (local $pStride i32) (local $qStride i32) (local $outStride i32)
  (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $qv v128) (local $bad v128)
  (local.set $pStride (i32.shl (local.get $r) (i32.const 3)))
  (local.set $qStride (i32.shl (local.get $cols) (i32.const 3)))
  (local.set $outStride (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
  (local.set $bad (v128.const i64x2 0 0))
  (loop $rowsL
   (local.set $p0 (i32.add (local.get $p) (i32.mul (local.get $i) (local.get $pStride))))
   (local.set $p1 (i32.add (local.get $p) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $last)
     (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $rows))) (local.get $pStride))))
   (local.set $p2 (i32.add (local.get $p) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $last)
     (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $rows))) (local.get $pStride))))
   (local.set $p3 (i32.add (local.get $p) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $last)
     (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $rows))) (local.get $pStride))))
   (local.set $o0 (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $outStride))))
   (local.set $o1 (i32.add (local.get $o0) (local.get $outStride)))
   (local.set $o2 (i32.add (local.get $o1) (local.get $outStride)))
   (local.set $o3 (i32.add (local.get $o2) (local.get $outStride)))
   (local.set $j (i32.const 0))
   (loop $jL
    (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
    (local.set $s2 (v128.const i64x2 0 0)) (local.set $s3 (v128.const i64x2 0 0))
    (local.set $qp (i32.add (local.get $qt) (i32.shl (local.get $j) (i32.const 3))))
    (local.set $c (i32.const 0))
    (loop $cL
     (local.set $qv (v128.load (local.get $qp)))
     (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load64_splat (i32.add (local.get $p0) (local.get $c))) (local.get $qv))))
     (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load64_splat (i32.add (local.get $p1) (local.get $c))) (local.get $qv))))
     (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load64_splat (i32.add (local.get $p2) (local.get $c))) (local.get $qv))))
     (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load64_splat (i32.add (local.get $p3) (local.get $c))) (local.get $qv))))
     (local.set $qp (i32.add (local.get $qp) (local.get $qStride)))
     (br_if $cL (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 8))) (local.get $pStride))))
    (local.set $s0 (f32x4.demote_f64x2_zero (local.get $s0)))
    (local.set $s1 (f32x4.demote_f64x2_zero (local.get $s1)))
    (local.set $s2 (f32x4.demote_f64x2_zero (local.get $s2)))
    (local.set $s3 (f32x4.demote_f64x2_zero (local.get $s3)))
    (v128.store64_lane 0 (i32.add (local.get $o0) (i32.shl (local.get $j) (i32.const 2))) (local.get $s0))
    (local.set $bad (v128.or (local.get $bad) (f32x4.ne (f32x4.sub (local.get $s0) (local.get $s0)) (v128.const i64x2 0 0))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $rows)) (then
     (v128.store64_lane 0 (i32.add (local.get $o1) (i32.shl (local.get $j) (i32.const 2))) (local.get $s1))
     (local.set $bad (v128.or (local.get $bad) (f32x4.ne (f32x4.sub (local.get $s1) (local.get $s1)) (v128.const i64x2 0 0))))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $rows)) (then
     (v128.store64_lane 0 (i32.add (local.get $o2) (i32.shl (local.get $j) (i32.const 2))) (local.get $s2))
     (local.set $bad (v128.or (local.get $bad) (f32x4.ne (f32x4.sub (local.get $s2) (local.get $s2)) (v128.const i64x2 0 0))))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $rows)) (then
     (v128.store64_lane 0 (i32.add (local.get $o3) (i32.shl (local.get $j) (i32.const 2))) (local.get $s3))
     (local.set $bad (v128.or (local.get $bad) (f32x4.ne (f32x4.sub (local.get $s3) (local.get $s3)) (v128.const i64x2 0 0))))))
    (br_if $jL (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (local.get $cols))))
   (br_if $rowsL (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $rows))))
  (i32.eqz (v128.any_true (local.get $bad))))

 ;; 1 when all n f32 values at $x are finite.
 (func (export "allFinite") (param $x i32) (param $n i32) (result i32)
  (local $end i32) (local $bad v128) (local $v v128)
  (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
  (local.set $bad (v128.const i64x2 0 0))
  (block $done
   (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
   (loop $l
    (local.set $v (v128.load (local.get $x)))
    (local.set $bad (v128.or (local.get $bad) (f32x4.ne (f32x4.sub (local.get $v) (local.get $v)) (v128.const i64x2 0 0))))
    (br_if $l (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $end)))))
  (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
  (block $done2
   (br_if $done2 (i32.ge_u (local.get $x) (local.get $end)))
   (loop $l2
    (local.set $v (v128.load32_zero (local.get $x)))
    (local.set $bad (v128.or (local.get $bad) (f32x4.ne (f32x4.sub (local.get $v) (local.get $v)) (v128.const i64x2 0 0))))
    (br_if $l2 (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 4))) (local.get $end)))))
  (i32.eqz (v128.any_true (local.get $bad))))
)
