// rnn_cells.cu — the fused pointwise work of one recurrent step, after the cuBLAS GEMMs.
//
// Gate order is PyTorch's (dev.recur.backend.LstmGates: i=0, f=1, g=2, o=3; GruGates: r=0, z=1, n=2):
// gate k of hidden unit j of row b sits at column k*H + j of a [B, G*H] pre-activation.
//   LSTM:  i,f,o = sigmoid(pre), g = tanh(pre);  c' = f*c + i*g;  h' = o*tanh(c')
//   GRU:   r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r*gh_n), h' = (1-z) n + z h
//   RNN:   h' = act(pre), act = tanh or relu
// Sequence use (variable lengths): the batch is sorted by length, so the rows still running at a step
// are the prefix b < bs; rows b >= bs carry their state across the step unchanged (the "carry" below).
// One thread per (b, j); grid-stride over B*H (forward: all B rows for the carry; backward: bs rows).
#include "recur_common.cuh"

// LSTM step forward.
//   gates  [B, 4H]   in: pre-activation x W_ih^T + b_ih + h W_hh^T + b_hh; out (save != 0, rows < bs):
//                    the activated i, f, g, o (what backward needs)
//   c      [B, H]    previous cell state
//   cNext  [B, H]    out: f*c + i*g (rows < bs), c (rows >= bs)
//   hNext  [B, ldh]  out: o * tanh(cNext) for rows < bs (h, or m before an LSTM projection)
//   out    [B, ldo]  out (null: none): a copy of hNext's rows < bs (the layer output y[t])
//   hPrev, hCarry [B, ldh] (null: none): hCarry = hPrev for rows >= bs (carry of h)
extern "C" __global__ void lstm_fwd(float* gates, const float* c, float* cNext, float* hNext, int ldh, float* out,
                                    int ldo, const float* hPrev, float* hCarry, int bs, int B, int H, int save) {
    RECUR_FOR(idx, (long long)B * H) {
        int b = (int)(idx / H);
        int j = (int)(idx % H);
        if (b < bs) {
            float* g = gates + (long long)b * 4 * H;
            float ig = recur_sigmoid(g[0 * H + j]);
            float fg = recur_sigmoid(g[1 * H + j]);
            float gg = recur_tanh(g[2 * H + j]);
            float og = recur_sigmoid(g[3 * H + j]);
            float cn = fg * c[idx] + ig * gg;
            float h = og * recur_tanh(cn);
            cNext[idx] = cn;
            hNext[(long long)b * ldh + j] = h;
            if (out) out[(long long)b * ldo + j] = h;
            if (save) {
                g[0 * H + j] = ig;
                g[1 * H + j] = fg;
                g[2 * H + j] = gg;
                g[3 * H + j] = og;
            }
        } else {
            cNext[idx] = c[idx];
            if (hCarry) hCarry[(long long)b * ldh + j] = hPrev[(long long)b * ldh + j];
        }
    }
}

// LSTM step backward, rows b < bs (the others are not touched).
//   gates  [B, 4H]   activated i, f, g, o from lstm_fwd
//   c      [B, H]    previous cell state;  cNext [B, H] the new one
//   dh     [B, ldd]  d loss / d h (h = o*tanh(cNext)); dOut [B, ldo] (null: none) is added to it
//   dc     [B, H]    in: d loss / d cNext from later steps; out: d loss / d c
//   dGates [B, 4H]   out: d loss / d pre-activation
// Backward of:  h = o*tanh(c')  ->  do = dh*tanh(c'), dc' += dh*o*(1 - tanh(c')^2)
//               c' = f*c + i*g  ->  di = dc'*g, dg = dc'*i, df = dc'*c, dc = dc'*f
//               i,f,o = sigmoid -> d pre = d * s(1-s);  g = tanh -> d pre = d * (1 - g^2)
extern "C" __global__ void lstm_bwd(const float* gates, const float* c, const float* cNext, const float* dh, int ldd,
                                    const float* dOut, int ldo, float* dc, float* dGates, int bs, int H) {
    RECUR_FOR(idx, (long long)bs * H) {
        int b = (int)(idx / H);
        int j = (int)(idx % H);
        const float* g = gates + (long long)b * 4 * H;
        float ig = g[0 * H + j], fg = g[1 * H + j], gg = g[2 * H + j], og = g[3 * H + j];
        float tc = recur_tanh(cNext[idx]);
        float d = dh[(long long)b * ldd + j];
        if (dOut) d += dOut[(long long)b * ldo + j];
        float dO = d * tc;
        float dct = dc[idx] + d * og * (1.f - tc * tc);
        float dI = dct * gg;
        float dG = dct * ig;
        float dF = dct * c[idx];
        dc[idx] = dct * fg;
        float* dg = dGates + (long long)b * 4 * H;
        dg[0 * H + j] = dI * ig * (1.f - ig);
        dg[1 * H + j] = dF * fg * (1.f - fg);
        dg[2 * H + j] = dG * (1.f - gg * gg);
        dg[3 * H + j] = dO * og * (1.f - og);
    }
}

// GRU step forward.
//   gi    [B, 3H]  x W_ih^T + b_ih;   gh [B, 3H] h W_hh^T, plus bhh [3H] when bhh is not null
//   h     [B, H]   previous state
//   hNext [B, H]   out: (1 - z) n + z h (rows < bs), h (rows >= bs)
//   saved [B, 4H]  out (null: none): r, z, n, gh_n (gh_n with its bias) for backward, rows < bs
//   out   [B, ldo] out (null: none): copy of hNext's rows < bs
// hNext may be h (each element is read before it is written by the same thread).
extern "C" __global__ void gru_fwd(const float* gi, const float* gh, const float* bhh, const float* h, float* hNext,
                                   float* saved, float* out, int ldo, int bs, int B, int H) {
    RECUR_FOR(idx, (long long)B * H) {
        int b = (int)(idx / H);
        int j = (int)(idx % H);
        float hp = h[idx];
        if (b < bs) {
            const float* xi = gi + (long long)b * 3 * H;
            const float* xh = gh + (long long)b * 3 * H;
            float hr = xh[0 * H + j], hz = xh[1 * H + j], hn = xh[2 * H + j];
            if (bhh) {
                hr += bhh[0 * H + j];
                hz += bhh[1 * H + j];
                hn += bhh[2 * H + j];
            }
            float r = recur_sigmoid(xi[0 * H + j] + hr);
            float z = recur_sigmoid(xi[1 * H + j] + hz);
            float n = recur_tanh(xi[2 * H + j] + r * hn);
            float hv = (1.f - z) * n + z * hp;
            hNext[idx] = hv;
            if (out) out[(long long)b * ldo + j] = hv;
            if (saved) {
                float* s = saved + (long long)b * 4 * H;
                s[0 * H + j] = r;
                s[1 * H + j] = z;
                s[2 * H + j] = n;
                s[3 * H + j] = hn;
            }
        } else {
            hNext[idx] = hp;
        }
    }
}

// GRU step backward, rows b < bs.
//   saved [B, 4H]  r, z, n, gh_n from gru_fwd;  h [B, H] previous state
//   dh    [B, H]   in: d loss / d hNext (dOut [B, ldo] added when not null); out: z * d (the direct part of
//                  d loss / d h; the caller adds dGh W_hh)
//   dGi, dGh [B, 3H] out: d loss / d gi, d loss / d gh
// Backward of:  h' = (1-z) n + z h  ->  dn = d (1-z), dz = d (h - n), dh = d z
//               n = tanh(gi_n + r gh_n) -> dnp = dn (1 - n^2); dGi_n = dnp; dGh_n = dnp r; dr = dnp gh_n
//               r, z = sigmoid(gi + gh) -> both sides get d * s (1 - s)
extern "C" __global__ void gru_bwd(const float* saved, const float* h, float* dh, const float* dOut, int ldo,
                                   float* dGi, float* dGh, int bs, int H) {
    RECUR_FOR(idx, (long long)bs * H) {
        int b = (int)(idx / H);
        int j = (int)(idx % H);
        const float* s = saved + (long long)b * 4 * H;
        float r = s[0 * H + j], z = s[1 * H + j], n = s[2 * H + j], ghn = s[3 * H + j];
        float d = dh[idx];
        if (dOut) d += dOut[(long long)b * ldo + j];
        float dn = d * (1.f - z);
        float dz = d * (h[idx] - n);
        dh[idx] = d * z;
        float dnp = dn * (1.f - n * n);
        float drp = dnp * ghn * r * (1.f - r);
        float dzp = dz * z * (1.f - z);
        float* di = dGi + (long long)b * 3 * H;
        float* dg = dGh + (long long)b * 3 * H;
        di[0 * H + j] = drp;
        di[1 * H + j] = dzp;
        di[2 * H + j] = dnp;
        dg[0 * H + j] = drp;
        dg[1 * H + j] = dzp;
        dg[2 * H + j] = dnp * r;
    }
}

// Elman RNN step forward: y = act(pre), act = relu when relu != 0 else tanh.
//   pre   [B, H]   x W_ih^T + b_ih + h W_hh^T + b_hh; out (save != 0, rows < bs): y, for backward
//   hPrev [B, H]   previous state;  hNext [B, H] out: y (rows < bs), hPrev (rows >= bs)
//   out   [B, ldo] out (null: none): copy of y, rows < bs
extern "C" __global__ void rnn_fwd(float* pre, const float* hPrev, float* hNext, float* out, int ldo, int bs, int B,
                                   int H, int relu, int save) {
    RECUR_FOR(idx, (long long)B * H) {
        int b = (int)(idx / H);
        int j = (int)(idx % H);
        if (b < bs) {
            float x = pre[idx];
            float y = relu ? fmaxf(x, 0.f) : recur_tanh(x);
            hNext[idx] = y;
            if (out) out[(long long)b * ldo + j] = y;
            if (save) pre[idx] = y;
        } else {
            hNext[idx] = hPrev[idx];
        }
    }
}

// Elman RNN step backward, rows b < bs: dPre = (dh + dOut) * act'(.), from the forward output y:
// tanh' = 1 - y^2, relu' = [y > 0].   y, dh, dPre [B, H]; dOut [B, ldo] or null.
extern "C" __global__ void rnn_bwd(const float* y, const float* dh, const float* dOut, int ldo, float* dPre, int bs,
                                   int H, int relu) {
    RECUR_FOR(idx, (long long)bs * H) {
        int b = (int)(idx / H);
        int j = (int)(idx % H);
        float d = dh[idx];
        if (dOut) d += dOut[(long long)b * ldo + j];
        float v = y[idx];
        dPre[idx] = relu ? (v > 0.f ? d : 0.f) : d * (1.f - v * v);
    }
}
